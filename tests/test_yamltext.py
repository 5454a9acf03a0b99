"""YAML through libyaml when it is there: every YAML file spendpub ships reads the same with
either parser, and a broken one gets the Python parser's words."""

from __future__ import annotations

import pytest
import yaml

from etl import yamltext
from etl.paths import DATASETS_DIR
from etl.redact import POLICY_FILE
from etl.validate.messages import MESSAGES_DIR

SHIPPED = sorted([*MESSAGES_DIR.glob("*.yaml"), POLICY_FILE, *DATASETS_DIR.glob("*/profile.yaml")])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(p.parents[1]).as_posix())
def test_every_shipped_yaml_reads_the_same_with_either_parser(path):
    text = path.read_text(encoding="utf-8")
    assert yamltext.load(text) == yaml.safe_load(text)


def test_an_error_is_worded_by_the_python_parser():
    text = "fields:\n  amount: {column: [Amount\n"
    with pytest.raises(yaml.YAMLError) as ours:
        yamltext.load(text)
    with pytest.raises(yaml.YAMLError) as python:
        yaml.safe_load(text)
    assert str(ours.value) == str(python.value)


def test_an_error_is_described_by_its_line_and_column():
    with pytest.raises(yaml.YAMLError) as e:
        yamltext.load("publisher:\n  broken: [\n  name: y\n  identifier: z\n")
    assert yamltext.describe(e.value) == (
        "line 4, column 13: expected ',' or ']', but got ':' (while parsing a flow sequence, from line 2)")
    assert yamltext.describe(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")) == (
        "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte")
