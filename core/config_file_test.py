"""Keys set in adapt.yaml's text in place: the user's other lines and comments stay as they were."""
import yaml

from core.config_file import with_keys

TEXT = """# my settings
training:
  # Train on the last K spans
  window: 4

drift:
  false_alarm_rate: 0.05  # an old note
"""


def test_keys_are_set_in_place_added_to_their_section_or_in_a_new_one():
    text = with_keys(TEXT, {"training.window": 2, "drift.min_weighted_psi": 0.1, "retraining.policy": "periodic"},
                     "why")
    assert text.startswith("# my settings\ntraining:\n  # Train on the last K spans\n  window: 2  # why\n")
    assert "  false_alarm_rate: 0.05  # an old note\n  min_weighted_psi: 0.1  # why\n" in text
    assert yaml.safe_load(text) == {"training": {"window": 2}, "retraining": {"policy": "periodic"},
                                    "drift": {"false_alarm_rate": 0.05, "min_weighted_psi": 0.1}}
