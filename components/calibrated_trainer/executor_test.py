from components.calibrated_trainer.executor import calibration_properties


def test_the_model_infos_calibration_becomes_typed_custom_properties():
    info = {"calibration": {"calibrated": True, "ece_before": 0.081, "ece_after": 0.02, "rows": 300}}
    assert calibration_properties(info) == {"calibrated": 1, "ece_before": 0.081, "ece_after": 0.02,
                                            "calibration_rows": 300,
                                            "calibration_out_of_fold_rows": 0}


def test_a_model_without_calibration_gets_no_properties():
    assert calibration_properties({}) == {}
    assert calibration_properties({"calibration": {"calibrated": False, "ece_before": None}}) == {}
