"""Read real EcoTaxa exports: their TSV tables and the images they point to.

An EcoTaxa export is a zip file (or the folder it unpacks to) holding one or more
tab-separated tables, one row per image, and the images. A table's first line names the
columns (``object_id``, ``object_annotation_category``, ``img_file_name``, measurements
``object_area``..., ``sample_*``, ``acq_*``, ``process_*``); an optional second line gives each
column's type, ``[t]`` for text or ``[f]`` for a number (the format EcoTaxa imports).
``img_file_name`` is the image's path relative to the table's folder.

:func:`load_ecotaxa` returns a :class:`PlanktonSet` like the generator's, so the lessons'
pipeline runs unchanged on real data; :func:`read_ecotaxa_table` reads the tables alone.
Nothing is downloaded: export your own project from EcoTaxa first.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from dlcourse.data.plankton.generator import DEFAULT_SIZE, PlanktonSet

#: Columns every export must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("object_id", "img_file_name")
#: The column holding the class of each object.
LABEL_COLUMN = "object_annotation_category"
#: Columns that must hold numbers even without a type row.
NUMERIC_COLUMNS: tuple[str, ...] = ("object_lat", "object_lon", "object_depth_min",
                                    "object_depth_max", "img_rank")
#: Columns of EcoTaxa's tables that are not measurements of the object.
NOT_DESCRIPTORS: tuple[str, ...] = ("object_id", "object_lat", "object_lon", "object_date",
                                    "object_time", "object_depth_min", "object_depth_max",
                                    "object_lat_end", "object_lon_end")
_TYPES = {"[t]", "[f]"}


class EcoTaxaError(ValueError):
    """An export that cannot be read: a missing file or column, or a value of the wrong type."""


class _Export:
    """Read access to the files of an export, a zip or a folder, by relative POSIX path."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._zip = zipfile.ZipFile(source) if source.is_file() else None
        if self._zip is not None:
            self._names = {posixpath.normpath(n): n for n in self._zip.namelist()
                           if not n.endswith("/") and not n.startswith("__MACOSX/")}

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def tables(self) -> list[str]:
        if self._zip is not None:
            names = self._names
        else:
            names = {p.relative_to(self.source).as_posix(): p for p in self.source.rglob("*")
                     if p.is_file()}
        return sorted(n for n in names if n.lower().endswith((".tsv", ".txt"))
                      and not posixpath.basename(n).startswith("."))

    def read(self, name: str) -> bytes | None:
        """The bytes of a file, or None if it is not in the export."""
        name = posixpath.normpath(name)
        if self._zip is not None:
            member = self._names.get(name)
            return None if member is None else self._zip.read(member)
        path = self.source / name
        if name.startswith("..") or not path.is_file():
            return None
        return path.read_bytes()


@contextmanager
def _open_export(source: str | Path) -> Iterator[tuple[_Export, list[str]]]:
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"no EcoTaxa export at {source}")
    if source.is_file() and source.suffix.lower() in (".tsv", ".txt"):
        export, tables = _Export(source.parent), [source.name]
    else:
        try:
            export = _Export(source)
        except zipfile.BadZipFile:
            message = f"{source} is neither a folder, a .tsv file nor a zip file"
            raise EcoTaxaError(message) from None
        tables = export.tables()
    try:
        if not tables:
            raise EcoTaxaError(f"{source} holds no .tsv table")
        yield export, tables
    finally:
        export.close()


def _is_type_row(row: pd.Series, table: str) -> bool:
    cells = {str(v).strip().lower() for v in row if str(v).strip()}
    if not cells & _TYPES:
        return False
    wrong = sorted(cells - _TYPES)
    if wrong:
        raise EcoTaxaError(f"{table}: the second line mixes types ([t], [f]) and other values "
                           f"{wrong[:5]}; a type row holds only [t] and [f]")
    return True


def _to_numbers(table: pd.DataFrame, column: str, name: str, first_line: int) -> pd.Series:
    text = table[column].str.strip()
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = numbers.isna() & (text != "")
    if bad.any():
        rows = [f"line {first_line + i}: {text.iloc[i]!r}" for i in np.flatnonzero(bad)[:5]]
        raise EcoTaxaError(f"{name}: column {column!r} should hold numbers, but "
                           f"{int(bad.sum())} value(s) do not ({'; '.join(rows)})")
    return numbers


def _parse_table(raw: bytes, name: str) -> pd.DataFrame:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EcoTaxaError(f"{name} is not UTF-8 text") from None
    try:
        table = pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False,
                            quoting=3)  # QUOTE_NONE: EcoTaxa does not quote
    except pd.errors.ParserError as error:
        raise EcoTaxaError(f"{name} is not a tab-separated table ({error})") from None
    table.columns = [c.strip() for c in table.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise EcoTaxaError(f"{name} lacks the column(s) {missing}; its columns are "
                           f"{list(table.columns)[:20]}")
    types: dict[str, str] = {}
    first_line = 2
    if len(table) and _is_type_row(table.iloc[0], name):
        types = {c: str(t).strip().lower() for c, t in table.iloc[0].items()}
        table = table.iloc[1:].reset_index(drop=True)
        first_line = 3
    for column in table.columns:
        if types.get(column) == "[f]" or (not types and column in NUMERIC_COLUMNS):
            table[column] = _to_numbers(table, column, name, first_line)
        elif not types and column.startswith(("object_", "process_", "acq_", "sample_")):
            # Without a type row, a column is a number when every value reads as one.
            text = table[column].str.strip()
            numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
            if len(text) and (numbers.notna() | (text == "")).all() and numbers.notna().any():
                table[column] = numbers
    table["tsv_file"] = name
    return table


def read_ecotaxa_table(source: str | Path) -> pd.DataFrame:
    """Read every table of an EcoTaxa export into one DataFrame.

    Parameters
    ----------
    source : str or Path
        A zip file, a folder (tables searched in sub-folders too) or one ``.tsv`` file.

    Returns
    -------
    pandas.DataFrame
        One row per line of the tables, columns typed by the type row when there is one
        (``[f]``: float, ``[t]``: text), else numbers where every value reads as one. An extra
        column ``tsv_file`` says which table each row comes from.

    Raises
    ------
    FileNotFoundError
        If ``source`` does not exist.
    EcoTaxaError
        If there is no table, a required column is missing, or a value of a ``[f]`` column is
        not a number (the message names the table, the column and the line).
    """
    with _open_export(source) as (export, names):
        tables = [_parse_table(export.read(name), name) for name in names]
    return pd.concat(tables, ignore_index=True)


def _fit_square(image: np.ndarray, size: int) -> np.ndarray:
    """Pad to a square with the border's median grey level, then resize to ``size``."""
    from PIL import Image

    height, width = image.shape
    side = max(height, width)
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    square = np.full((side, side), np.median(border), dtype=np.float32)
    top, left = (side - height) // 2, (side - width) // 2
    square[top:top + height, left:left + width] = image
    resized = Image.fromarray(square, mode="F").resize((size, size), Image.Resampling.BILINEAR)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def _read_image(raw: bytes, describe: Callable[[], str]) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as image:
            grey = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise EcoTaxaError(f"cannot read the image of {describe()}: {error}") from None
    return grey


def load_ecotaxa(source: str | Path, size: int = DEFAULT_SIZE, invert: bool = False,
                 label_column: str = LABEL_COLUMN, drop_unlabelled: bool = False,
                 validated_only: bool = False) -> PlanktonSet:
    """Load an EcoTaxa export: its images, their classes and its table.

    Parameters
    ----------
    source : str or Path
        A zip file, a folder or one ``.tsv`` file (see :func:`read_ecotaxa_table`).
    size : int
        Side of the returned images: each is padded to a square with its border's grey level
        (keeping its proportions), then resized. The original sizes are in the metadata
        (``img_width``, ``img_height``): resizing loses the organism's size, which EcoTaxa's
        own measurements (``object_area``...) keep.
    invert : bool
        Return ``1 - image``: ZooScan and FlowCam vignettes are dark on a light background,
        the course's images bright on dark.
    label_column : str
        The column holding the classes.
    drop_unlabelled : bool
        Drop the rows with no class; by default they raise an error.
    validated_only : bool
        Keep only the rows whose ``object_annotation_status`` is ``validated``.

    Returns
    -------
    PlanktonSet
        ``images`` (n, size, size) float32 in [0, 1]; ``labels`` index ``class_names``,
        commonest class first; ``metadata`` the export's table, one row per image. An object
        with several images (``img_rank``) keeps its first.

    Raises
    ------
    FileNotFoundError
        If ``source`` does not exist.
    EcoTaxaError
        If a table is malformed (see :func:`read_ecotaxa_table`), the label column is missing
        or empty, or an image is missing or unreadable (the message names the object, the
        image file and its table).
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 8 <= size <= 1024:
        raise ValueError(f"size must be an integer between 8 and 1024 pixels, got {size!r}")
    with _open_export(source) as (export, names):
        table = pd.concat([_parse_table(export.read(n), n) for n in names], ignore_index=True)
        if label_column not in table.columns:
            raise EcoTaxaError(f"the export has no {label_column!r} column: it holds no classes "
                               "(export the annotations, or pass label_column=...)")
        if validated_only:
            if "object_annotation_status" not in table.columns:
                raise EcoTaxaError("validated_only=True needs the column "
                                   "'object_annotation_status', which the export lacks")
            table = table[table["object_annotation_status"].str.strip() == "validated"]
        if "img_rank" in table.columns:
            table = table.sort_values("img_rank", kind="stable")
        table = table.drop_duplicates("object_id").sort_index().reset_index(drop=True)
        category = table[label_column].astype(str).str.strip()
        unlabelled = category.isin(["", "nan"])
        if unlabelled.any() and not drop_unlabelled:
            first = table["object_id"][unlabelled].iloc[0]
            raise EcoTaxaError(f"{int(unlabelled.sum())} object(s) have no class in "
                               f"{label_column!r} (first: {first!r}); pass "
                               "drop_unlabelled=True to leave them out")
        table, category = table[~unlabelled].reset_index(drop=True), category[~unlabelled]
        if table.empty:
            raise EcoTaxaError(f"{source} holds no labelled object")

        images, missing, widths, heights = [], [], [], []
        for row in table.itertuples(index=False):
            folder = posixpath.dirname(row.tsv_file)
            image_name = str(row.img_file_name).strip()
            raw = export.read(posixpath.join(folder, image_name)) if image_name else None
            if raw is None:
                missing.append(f"{row.object_id!r} -> {image_name or '(empty)'!r} "
                               f"in {row.tsv_file}")
                continue
            if missing:
                continue
            image = _read_image(raw, lambda r=row, f=image_name: f"{r.object_id!r} ({f})")
            heights.append(image.shape[0])
            widths.append(image.shape[1])
            images.append(_fit_square(1.0 - image if invert else image, size))
        if missing:
            raise EcoTaxaError(f"{len(missing)} image(s) are missing from the export: "
                               + "; ".join(missing[:5]))
    counts = category.value_counts()
    class_names = tuple(sorted(counts.index, key=lambda name: (-counts[name], name)))
    lookup = {name: k for k, name in enumerate(class_names)}
    table = table.assign(img_width=widths, img_height=heights)
    return PlanktonSet(np.stack(images), category.map(lookup).to_numpy(dtype=np.int64),
                       class_names, table)


def export_descriptors(table: pd.DataFrame) -> pd.DataFrame:
    """EcoTaxa's own measurements from an export's table: its numeric ``object_*`` columns.

    Position, date and depth columns are left out (they describe the sample, not the
    organism's image).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`read_ecotaxa_table`, or ``load_ecotaxa(...).metadata``.

    Returns
    -------
    pandas.DataFrame
        The columns whose names start with ``object_`` and hold numbers.
    """
    columns = [c for c in table.columns if c.startswith("object_") and c not in NOT_DESCRIPTORS
               and pd.api.types.is_numeric_dtype(table[c])]
    return table[columns]
