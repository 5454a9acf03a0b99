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
