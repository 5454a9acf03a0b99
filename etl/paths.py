"""Where the project's data files live, resolved from the installed package."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
DATASETS_DIR = PROJECT_ROOT / "datasets"
SQL_DIR = Path(__file__).resolve().parent / "sql"
