"""`make profile` reads py-spy's collapsed stacks into each function's share of the samples."""

from bench.profile import frame_name, inclusive_shares


def test_a_function_counts_once_per_sample_even_when_recursive(tmp_path):
    stacks = tmp_path / "stacks.txt"
    stacks.write_text(
        "main (a.py:1);parse (/x/site-packages/rasa/nlu/p.py:10);parse (/x/site-packages/rasa/nlu/p.py:12) 3\n"
        "main (a.py:1);save (/x/site-packages/rasa/core/tracker_store.py:9) 1\n"
    )
    total, shares = inclusive_shares(stacks)
    assert total == 4
    assert dict((name, share) for share, name in shares) == {
        "main (a.py)": 1.0, "parse (rasa/nlu/p.py)": 0.75, "save (rasa/core/tracker_store.py)": 0.25,
    }


def test_frames_without_a_location_are_kept_as_they_are():
    assert frame_name("connection_task (connection_task)") == "connection_task (connection_task)"
