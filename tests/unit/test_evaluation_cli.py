"""The evaluation commands refuse a model archive that is not there: Rasa would load another one."""

import pytest

from clinic_nlu import evaluation


def test_a_missing_model_is_refused_not_replaced_by_the_newest(tmp_path, capsys):
    (tmp_path / "clinic-other.tar.gz").write_bytes(b"a model Rasa would load in its place")
    with pytest.raises(SystemExit) as exit_:
        evaluation.main(["answers", "--model", str(tmp_path / "clinic-deleted.tar.gz"), "--split", "dev"])
    assert exit_.value.code == 2
    assert "no trained model at" in capsys.readouterr().err


def test_an_existing_model_is_taken_as_given(tmp_path):
    archive = tmp_path / "clinic-here.tar.gz"
    archive.write_bytes(b"")
    assert evaluation.trained_model(str(archive)) == str(archive)
