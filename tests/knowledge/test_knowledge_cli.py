"""The command line contract: `python -m knowledge stage --jsonl`, readable staging, build, entries.

The commands run in-process through main(argv); one smoke test runs the module as a program.
"""
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from knowledge import query
from knowledge.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(capsys, monkeypatch):
    """Return a function that runs `python -m knowledge <args>` in-process against a database URL."""

    def run_in_process(args, db_url, stdin=None):
        monkeypatch.setenv("KNOWLEDGE_DB_URL", db_url)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
        query.reset_cache()
        try:
            code = main(args)
        except SystemExit as exit_:  # argparse refuses the options
            code = exit_.code
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    yield run_in_process
    query.reset_cache()


CASES = [
    ({"system": "ajcc7", "site": "trunk_extremity", "size_cm": 6, "grade": 3, "nodes": False, "metastasis": False},
     {"stage": "III"}),
    ({"system": "ajcc7", "size_cm": 6, "grade": None, "nodes": False, "metastasis": False},
     {"stage": None, "possible_stages": ["IB", "IIB", "III"]}),
    ("", {"error": True}),
    ({"system": "ajcc8", "site": "retroperitoneum", "size_cm": 3, "grade": "1", "nodes": True, "metastasis": False},
     {"stage": "IIIB"}),
    ({"system": "ajcc8", "site": "head_neck", "size_cm": 3, "grade": 1}, {"stage": None, "possible_stages": []}),
    ("not json", {"error": True}),
    ({"site": "uterus", "extent": "uterus", "size_cm": 5}, {"stage": "IA", "system": "figo2009"}),
    ([1, 2], {"error": True}),
    ({"system": "nope"}, {"error": True}),
    ({"size_cm": 0}, {"error": True}),
    ({"size_cm": -1}, {"error": True}),
    ({"size_cm": True}, {"error": True}),
    ({"size_cm": "6"}, {"error": True}),
    ({"size_cm": 301}, {"error": True}),
    ({"grade": 4}, {"error": True}),
    ({"grade": "Z"}, {"error": True}),
    ({"extent": "moon"}, {"error": True}),
    ({"site": "mars"}, {"error": True}),
    ({"system": "figo2009", "site": "uterus", "extent": "distant", "grade": "x"}, {"stage": "IVB"}),
]


def line(case):
    return case if isinstance(case, str) else json.dumps(case)


def test_jsonl_gives_one_result_per_line_in_order(run, knowledge_db_url):
    stdin = "\n".join(line(case) for case, _ in CASES) + "\n"
    done = run(["stage", "--jsonl"], knowledge_db_url, stdin)
    assert done.returncode == 0, done.stderr
    results = [json.loads(out) for out in done.stdout.splitlines()]
    assert len(results) == len(CASES)
    for (case, expected), result in zip(CASES, results):
        if expected.get("error"):
            assert set(result) == {"error"} and len(result["error"]) > 10, (case, result)
        else:
            assert {"stage", "possible_stages", "system", "explanation"} <= set(result), (case, result)
            for key, value in expected.items():
                assert result[key] == value, (case, result)


def test_jsonl_errors_say_what_is_wrong(run, knowledge_db_url):
    stdin = "\n".join(json.dumps(c) for c in ({"size_cm": 0}, {"grade": 7}, {"site": "mars"}, {"system": "x"}))
    errors = [json.loads(out)["error"] for out in run(["stage", "--jsonl"], knowledge_db_url, stdin).stdout.splitlines()]
    assert "size_cm" in errors[0] and "grade" in errors[1] and "site" in errors[2] and "system" in errors[3]


def test_readable_stage(run, knowledge_db_url):
    done = run(["stage", "--system", "ajcc7", "--size-cm", "6", "--grade", "3", "--nodes", "no",
                "--metastasis", "no"], knowledge_db_url)
    assert done.returncode == 0, done.stderr
    assert "Stage: III" in done.stdout and "grade 3" in done.stdout and "8th edition" in done.stdout


def test_readable_stage_lists_what_to_ask(run, knowledge_db_url):
    done = run(["stage", "--system", "ajcc7", "--size-cm", "6", "--nodes", "no", "--metastasis", "no"],
               knowledge_db_url)
    assert "IB, IIB, III" in done.stdout and "Worth asking next: grade" in done.stdout


@pytest.mark.parametrize("args", [
    ["--size-cm", "0"], ["--size-cm", "abc"], ["--grade", "5"], ["--system", "tnm"], ["--site", "moon"],
    ["--extent", "moon"], ["--nodes", "perhaps"],
])
def test_readable_stage_rejects_invalid_input_with_exit_2(run, knowledge_db_url, args):
    done = run(["stage", *args], knowledge_db_url)
    assert done.returncode == 2
    assert "error" in done.stderr or done.stderr.startswith("stage: ")
    assert done.stdout == ""


def test_a_value_the_engine_refuses_is_reported_in_the_shared_style(run, knowledge_db_url):
    done = run(["stage", "--grade", "5"], knowledge_db_url)
    assert done.returncode == 2
    assert done.stderr.startswith("stage: grade") and "python -m knowledge stage --help" in done.stderr


def test_jsonl_with_case_options_is_invalid_input(run, knowledge_db_url):
    done = run(["stage", "--jsonl", "--grade", "3"], knowledge_db_url, "{}\n")
    assert done.returncode == 2 and done.stderr.startswith("stage: --jsonl")


def test_one_case_as_json(run, knowledge_db_url):
    done = run(["stage", "--json", "--system", "ajcc7", "--size-cm", "6", "--nodes", "no", "--metastasis", "no"],
               knowledge_db_url)
    result = json.loads(done.stdout)
    assert result["possible_stages"] == ["IB", "IIB", "III"] and result["facts_needed"] == ["grade"]


def test_staging_needs_no_database(run, tmp_path):
    url = f"sqlite:///{tmp_path / 'not_built_yet.db'}"
    done = run(["stage", "--jsonl"], url, '{"system": "ajcc7", "size_cm": 3, "grade": 1, "nodes": false, "metastasis": false}\n')
    assert json.loads(done.stdout)["stage"] == "IA"
    assert not (tmp_path / "not_built_yet.db").exists()


def test_broken_data_exits_1_naming_file_and_entry(run, knowledge_db_url, monkeypatch):
    from knowledge.yaml_files import DataFileError

    def broken(*args, **kwargs):
        raise DataFileError("knowledge/data/treatment.yml", "stage_i_other", "'group' field required")

    monkeypatch.setattr("knowledge.cli.build", broken)
    done = run(["build"], knowledge_db_url)
    assert done.returncode == 1
    assert done.stderr == "build: knowledge/data/treatment.yml: entry 'stage_i_other': 'group' field required\n"


def test_build_and_entries_commands(run, tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    built = run(["build"], url)
    assert built.returncode == 0 and "knowledge_entries" in built.stdout and "ajcc8" in built.stdout
    again = run(["build"], url)
    assert again.stdout == built.stdout
    listed = run(["entries"], url)
    assert listed.returncode == 0 and "what_is_lms\t" in listed.stdout and "# Sarcoma basics (basics)" in listed.stdout
    as_json = json.loads(run(["entries", "--json"], url).stdout)
    assert any(item["id"] == "what_is_lms" and item["question"] and item["sources"] for item in as_json)


def test_runs_as_a_program(knowledge_db_url):
    env = {**os.environ, "KNOWLEDGE_DB_URL": knowledge_db_url}
    done = subprocess.run([sys.executable, "-m", "knowledge", "stage", "--jsonl"], capture_output=True, text=True,
                          input='{"system": "ajcc8", "site": "retroperitoneum", "size_cm": 3, "grade": "1", '
                                '"nodes": true, "metastasis": false}\nnot json\n', cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["stage"] == "IIIB" and set(second) == {"error"}
    unknown = subprocess.run([sys.executable, "-m", "knowledge", "restage"], capture_output=True, text=True,
                             cwd=ROOT, env=env, timeout=120)
    assert unknown.returncode == 2 and "invalid choice: 'restage'" in unknown.stderr
