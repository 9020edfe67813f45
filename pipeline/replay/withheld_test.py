import pytest

from core.data.batch import Batch
from core.errors import BatchError
from pipeline.replay import withheld
from tests.helpers import folder_listing, write_csv


def test_a_csv_batch_arrives_without_its_label_column_and_its_labels_later(tmp_path):
    source = tmp_path / "batches" / "2014-Q2"
    write_csv(source / "a.csv", ["fare", "big_tipper"], [["1.5", "1"], ["2.0", "0"]])
    write_csv(source / "b.csv", ["fare", "big_tipper"], [["3.0", ""]])
    before = folder_listing(source.parent)
    copy = withheld.withhold(Batch(str(source), label="big_tipper"), tmp_path / "replays", "labels.csv")
    arrived = Batch(str(copy), label="big_tipper")
    assert arrived.header() == ["fare"] and arrived.count_instances() == 3
    assert not arrived.has_inline_labels() and not arrived.has_labels_file()
    assert withheld.withheld_labels(copy, "labels.csv") == {"a.csv:0": "1", "a.csv:1": "0", "b.csv:0": None}
    withheld.deliver(copy, "labels.csv")
    assert arrived.labels_from_file() == {"a.csv:0": "1", "a.csv:1": "0", "b.csv:0": None}
    assert withheld.withhold(Batch(str(source), label="big_tipper"), tmp_path / "replays", "labels.csv") == copy
    assert arrived.has_labels_file() and folder_listing(source.parent) == before


def test_an_image_batch_arrives_without_its_labels_file(tmp_path):
    source = tmp_path / "digits-02"
    source.mkdir()
    for name in ("0001.png", "0002.png"):
        (source / name).write_bytes(b"\x89PNG fake " + name.encode())
    write_csv(source / "labels.csv", ["file", "label"], [["0001.png", "3"], ["0002.png", "7"]])
    copy = withheld.withhold(Batch(str(source), label="label"), tmp_path / "replays", "labels.csv")
    assert sorted(p.name for p in copy.iterdir()) == ["0001.png", "0002.png"]
    assert (copy / "0002.png").read_bytes() == (source / "0002.png").read_bytes()
    withheld.deliver(copy, "labels.csv")
    assert Batch(str(copy), label="label").labels_from_file() == {"0001.png": "3", "0002.png": "7"}


def test_a_batch_without_labels_cannot_have_them_withheld(tmp_path):
    write_csv(tmp_path / "b" / "data.csv", ["fare"], [["1.0"]])
    with pytest.raises(BatchError, match="no labels to withhold"):
        withheld.withhold(Batch(str(tmp_path / "b"), label="big_tipper"), tmp_path / "replays", "labels.csv")


def test_with_a_label_budget_the_chosen_rows_arrive_first_with_their_probabilities_then_all(tmp_path):
    from core.labeling.weights import recorded_inclusion_probabilities
    source = tmp_path / "batches" / "b"
    write_csv(source / "data.csv", ["fare", "big_tipper"], [[f"{i}.5", str(i % 2)] for i in range(10)])
    copy = withheld.withhold(Batch(str(source), label="big_tipper"), tmp_path / "replays", "labels.csv")
    withheld.deliver_early(copy, "labels.csv", {"data.csv:3": 0.25, "data.csv:8": 1.0})
    early = Batch(str(copy), label="big_tipper")
    assert early.labels_from_file() == {"data.csv:3": "1", "data.csv:8": "0"} and early.labeled_in_file() == 2
    assert recorded_inclusion_probabilities(early) == {"data.csv:3": 0.25, "data.csv:8": 1.0}
    assert len(withheld.withheld_labels(copy, "labels.csv")) == 10   # the whole labels still wait
    assert withheld.withhold(Batch(str(source), label="big_tipper"), tmp_path / "replays", "labels.csv") == copy
    withheld.deliver(copy, "labels.csv")
    assert early.labeled_in_file() == 10 and recorded_inclusion_probabilities(early) == {}
