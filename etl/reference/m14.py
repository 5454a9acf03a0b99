"""The French national chart of accounts (M14 nomenclature XML, "plan de compte", ISO-8859-1).

The file the State publishes for each nomenclature and year (odm-budgetaire.org) holds:
- `Nature/Chapitres/Chapitre`: the chapters of the economic classification, each with its
  section (F operating, I investment) and type;
- `Nature/Comptes/Compte`: the nature accounts, nested by prefix (10 > 102 > 1022 > 10222); a leaf
  says in which chapter it is voted, per use: DR real expenditure, RR real revenue, DOES/ROES
  order between sections, DOIS/ROIS order within the section;
- `Fonction/Chapitres/Chapitre`: the chapters of the functional presentation (90x, 92x, 93x);
- `Fonction/RefFonctionnelles/RefFonc`: the functional tree (0 > 02 > 020).

`read_m14` returns them as three Arrow tables; `load_m14` puts them in DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from lxml import etree

from ..errors import InputError
from ..paths import DATASETS_DIR
from ..sqltext import quote_ident

if TYPE_CHECKING:  # pyarrow is imported where used: it would cost every command 50 ms to start
    import pyarrow as pa

M14_DIR = DATASETS_DIR / "reference" / "m14"
SECTIONS = {"F": "operating", "I": "investment"}
USES = ("DR", "RR", "DOES", "ROES", "DOIS", "ROIS")  # the order a nature account's chapter is looked for


@dataclass(frozen=True)
class Chart:
    """One chart of accounts: norm (M14), declension (M14_COM_SUP3500), year, and its tables."""

    norm: str
    declension: str
    year: int
    chapters: pa.Table    # chapter_code, chapter_label, short_label, chapter_type, section, presentation
    accounts: pa.Table    # account_code, account_label, short_label, parent_code, level, is_votable,
                          # is_deleted, dr, rr, does, roes, dois, rois, chapter_code, chapter_label, section
    functions: pa.Table   # function_code, function_label, short_label, parent_code, level


def _parse(path: Path):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True,
                             remove_pis=True)
    try:
        return etree.parse(str(path), parser).getroot()
    except (OSError, etree.XMLSyntaxError) as e:
        raise InputError(f"cannot be read as a chart of accounts XML: {e}", where=Path(path).name) from None


def _columns(rows: list[dict], names: list[str], types: dict[str, pa.DataType]) -> pa.Table:
    import pyarrow as pa
    return pa.table({n: pa.array([r.get(n) for r in rows], type=types.get(n, pa.string())) for n in names})


def read_m14(path: Path) -> Chart:
    import pyarrow as pa
    root = _parse(path)
    shown_as = Path(path).name
    if root.tag != "Nomenclature" or root.find("Nature") is None:
        raise InputError("not a chart of accounts: the root element must be Nomenclature with a Nature "
                         "block", where=shown_as)

    chapters = []
    for presentation in ("Nature", "Fonction"):
        for ch in root.findall(f"{presentation}/Chapitres/Chapitre"):
            chapters.append({
                "chapter_code": ch.get("Code"), "chapter_label": ch.get("Libelle"),
                "short_label": ch.get("Lib_court"), "chapter_type": ch.get("TypeChapitre"),
                "section": SECTIONS.get(ch.get("Section") or ""),
                "presentation": presentation.lower(),
            })
    nature_chapters = {c["chapter_code"]: c for c in chapters if c["presentation"] == "nature"}

    accounts = []

    def walk_accounts(parent, parent_code, level):
        for acc in parent.findall("Compte"):
            code = acc.get("Code")
            uses = {u.lower(): (acc.get(u) or None) for u in USES}
            votable = any(u in acc.attrib for u in USES)
            chapter = next((acc.get(u) for u in USES if acc.get(u)), None)
            info = nature_chapters.get(chapter or "")
            accounts.append({
                "account_code": code, "account_label": acc.get("Libelle"),
                "short_label": acc.get("Lib_court"), "parent_code": parent_code, "level": level,
                "is_votable": votable, "is_deleted": acc.get("Supprime") == "1", **uses,
                "chapter_code": chapter,
                "chapter_label": info["chapter_label"] if info else None,
                "section": info["section"] if info else None,
            })
            walk_accounts(acc, code, level + 1)

    comptes = root.find("Nature/Comptes")
    if comptes is not None:
        walk_accounts(comptes, None, 1)

    functions = []

    def walk_functions(parent, parent_code, level):
        for ref in parent.findall("RefFonc"):
            code = ref.get("Code")
            functions.append({"function_code": code, "function_label": ref.get("Libelle"),
                              "short_label": ref.get("Lib_court"), "parent_code": parent_code,
                              "level": level})
            walk_functions(ref, code, level + 1)

    refs = root.find("Fonction/RefFonctionnelles")
    if refs is not None:
        walk_functions(refs, None, 1)

    return Chart(
        norm=root.get("Norme") or "",
        declension=root.get("Declinaison") or "",
        year=int(root.get("Exer") or 0),
        chapters=_columns(chapters, ["chapter_code", "chapter_label", "short_label", "chapter_type",
                                     "section", "presentation"], {}),
        accounts=_columns(accounts, ["account_code", "account_label", "short_label", "parent_code",
                                     "level", "is_votable", "is_deleted", *[u.lower() for u in USES],
                                     "chapter_code", "chapter_label", "section"],
                          {"level": pa.int32(), "is_votable": pa.bool_(), "is_deleted": pa.bool_()}),
        functions=_columns(functions, ["function_code", "function_label", "short_label", "parent_code",
                                       "level"], {"level": pa.int32()}),
    )


def chart_path(name: str | Path) -> Path:
    """A chart named in a profile: a path, or a file name in datasets/reference/m14/."""
    p = Path(name)
    if p.is_file():
        return p
    shipped = M14_DIR / p.name
    if shipped.is_file():
        return shipped
    raise InputError("no such chart of accounts (give a path or a file in datasets/reference/m14/)",
                     where=str(name))


def load_m14(con: duckdb.DuckDBPyConnection, path: Path, prefix: str = "m14",
             temporary: bool = True) -> dict[str, str]:
    """Create <prefix>_chapters, <prefix>_accounts, <prefix>_functions; returns role -> table name."""
    chart = read_m14(path)
    scope = "temp " if temporary else ""
    names = {}
    for role, table in (("chapters", chart.chapters), ("accounts", chart.accounts),
                        ("functions", chart.functions)):
        name = f"{prefix}_{role}"
        m14_rows = table  # noqa: F841  read by name below, as budget_xml does (no con.register)
        con.execute(f"create or replace {scope}table {quote_ident(name)} as select * from m14_rows")
        names[role] = name
    return names
