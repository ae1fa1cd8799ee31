"""The EcoTaxa export reader, on tiny exports the tests write themselves (folder, zip, tsv)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dlcourse.data.plankton import make_plankton
from dlcourse.data.plankton.ecotaxa import (
    EcoTaxaError,
    export_descriptors,
    load_ecotaxa,
    read_ecotaxa_table,
)

HEADER = ["object_id", "object_lat", "object_annotation_status", "object_annotation_category",
          "img_file_name", "img_rank", "object_area", "object_mean", "sample_id"]
TYPES = ["[t]", "[f]", "[t]", "[t]", "[t]", "[f]", "[f]", "[f]", "[t]"]
CATEGORIES = ["Copepoda", "detritus", "Copepoda", "Copepoda", "Chaetognatha", "detritus"]


def write_tsv(path: Path, rows: list[list], types: list[str] | None = TYPES,
              header: list[str] = HEADER) -> None:
    lines = [header] + ([types] if types else []) + rows
    path.write_text("\n".join("\t".join(str(v) for v in line) for line in lines) + "\n",
                    encoding="utf-8")


def save_vignette(path: Path, image: np.ndarray) -> None:
    """Save as a ZooScan-like vignette: dark organism on a light background, 8-bit grey."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.round((1.0 - image) * 255).astype(np.uint8)).save(path)


@pytest.fixture()
def export(tmp_path) -> Path:
    """An export of two samples: one table with a type row, one without, in sub-folders."""
    images = make_plankton(n=len(CATEGORIES), size=48, seed=9).images
    root = tmp_path / "export"
    rows_a, rows_b = [], []
    for i, category in enumerate(CATEGORIES):
        sample, rows = ("s1", rows_a) if i < 4 else ("s2", rows_b)
        name = f"images/obj_{i}.png"
        save_vignette(root / sample / name, images[i])
        rows.append([f"obj_{i}", 43.5 + i, "validated" if i % 2 == 0 else "predicted", category,
                     name, 0, 100.0 + i, 0.5, f"00{i}"])
    write_tsv(root / "s1" / "ecotaxa_s1.tsv", rows_a)
    write_tsv(root / "s2" / "ecotaxa_s2.tsv", rows_b, types=None)
    return root


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return target


def test_folder_export_loads_images_labels_and_table(export):
    data = load_ecotaxa(export, size=32, invert=True)
    assert data.images.shape == (6, 32, 32) and data.images.dtype == np.float32
    assert 0.0 <= data.images.min() and data.images.max() <= 1.0
    assert data.class_names == ("Copepoda", "detritus", "Chaetognatha")  # commonest first
    assert list(data.label_names) == CATEGORIES
    table = data.metadata
    assert list(table["object_id"]) == [f"obj_{i}" for i in range(6)]
    assert table["object_area"].dtype.kind == "f" and table["object_lat"].dtype.kind == "f"
    assert list(table["sample_id"][:4]) == ["000", "001", "002", "003"]  # [t] keeps the zeros
    assert set(table["tsv_file"]) == {"s1/ecotaxa_s1.tsv", "s2/ecotaxa_s2.tsv"}
    assert (table["img_width"] == 48).all() and (table["img_height"] == 48).all()
    # Inverted back to bright on dark: like the generated originals.
    originals = make_plankton(n=6, size=48, seed=9).images
    assert data.images.mean() == pytest.approx(originals.mean(), abs=0.02)


def test_zip_and_single_table_read_like_the_folder(export, tmp_path):
    from_folder = load_ecotaxa(export)
    from_zip = load_ecotaxa(zip_folder(export, tmp_path / "export.zip"))
    np.testing.assert_array_equal(from_zip.images, from_folder.images)
    assert from_zip.class_names == from_folder.class_names
    one_table = load_ecotaxa(export / "s1" / "ecotaxa_s1.tsv")
    assert len(one_table) == 4
    np.testing.assert_array_equal(one_table.images, from_folder.images[:4])


def test_zip_with_a_top_folder_and_mac_debris(export, tmp_path):
    target = tmp_path / "nested.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(export.rglob("*")):
            if path.is_file():
                archive.write(path, "project_42/" + path.relative_to(export).as_posix())
        archive.writestr("__MACOSX/project_42/._ecotaxa_s1.tsv", b"\x00\x05")
    assert len(load_ecotaxa(target)) == 6


def test_not_inverted_images_stay_dark_on_light(export):
    plain = load_ecotaxa(export)
    inverted = load_ecotaxa(export, invert=True)
    assert plain.images.mean() > 0.8 > 0.2 > inverted.images.mean()


def test_types_without_a_type_row_are_inferred(export):
    table = read_ecotaxa_table(export / "s2" / "ecotaxa_s2.tsv")
    assert table["object_area"].dtype.kind == "f"
    assert table["img_rank"].dtype.kind in "if"
    assert table["object_annotation_category"].tolist() == CATEGORIES[4:]


def test_export_descriptors_keep_measurements_only(export):
    table = read_ecotaxa_table(export)
    assert list(export_descriptors(table).columns) == ["object_area", "object_mean"]


def test_non_square_images_keep_their_proportions(tmp_path):
    wide = np.zeros((20, 40))
    wide[8:12, 5:35] = 1.0
    save_vignette(tmp_path / "wide.png", wide)
    write_tsv(tmp_path / "t.tsv", [["a", 1, "validated", "x", "wide.png", 0, 1, 1, "s"]])
    data = load_ecotaxa(tmp_path, size=40, invert=True)
    image = data.images[0]
    assert (data.metadata["img_width"][0], data.metadata["img_height"][0]) == (40, 20)
    assert image[:10].max() < 0.1 and image[-10:].max() < 0.1  # padded above and below
    assert image[18:22, 10:30].min() > 0.9


def test_objects_with_several_images_keep_the_first(export):
    table = export / "s2" / "ecotaxa_s2.tsv"
    rows = [line.split("\t") for line in table.read_text().splitlines()[1:]]
    rows.append(["obj_4", 0, "validated", "Chaetognatha", "images/obj_5.png", 1, 0, 0, "x"])
    write_tsv(table, rows, types=None)
    data = load_ecotaxa(export)
    assert len(data) == 6 and list(data.metadata["object_id"]).count("obj_4") == 1
    row = data.metadata[data.metadata["object_id"] == "obj_4"].iloc[0]
    assert row["img_file_name"] == "images/obj_4.png"


def test_validated_only_and_unlabelled_rows(export):
    assert len(load_ecotaxa(export, validated_only=True)) == 3
    table = export / "s1" / "ecotaxa_s1.tsv"
    text = table.read_text().replace("\tCopepoda\t", "\t\t", 1)
    table.write_text(text)
    with pytest.raises(EcoTaxaError, match="1 object\\(s\\) have no class.*'obj_0'.*drop_unl"):
        load_ecotaxa(export)
    assert len(load_ecotaxa(export, drop_unlabelled=True)) == 5


def test_missing_image_is_named(export):
    (export / "s2" / "images" / "obj_5.png").unlink()
    with pytest.raises(EcoTaxaError, match="1 image\\(s\\) are missing.*'obj_5'.*obj_5.png.*"
                                           "s2/ecotaxa_s2.tsv"):
        load_ecotaxa(export)


def test_corrupt_image_is_named(export):
    (export / "s1" / "images" / "obj_2.png").write_bytes(b"not a png")
    with pytest.raises(EcoTaxaError, match="cannot read the image of 'obj_2'"):
        load_ecotaxa(export)


def test_missing_column_is_named(tmp_path):
    header = [c for c in HEADER if c != "img_file_name"]
    write_tsv(tmp_path / "t.tsv", [["a", 1, "v", "x", 0, 1, 1, "s"]], types=None, header=header)
    with pytest.raises(EcoTaxaError, match="t.tsv lacks the column\\(s\\) \\['img_file_name'\\]"):
        load_ecotaxa(tmp_path)
    header = [c for c in HEADER if c != "object_annotation_category"]
    write_tsv(tmp_path / "t.tsv", [["a", 1, "v", "a.png", 0, 1, 1, "s"]], types=None,
              header=header)
    with pytest.raises(EcoTaxaError, match="no 'object_annotation_category' column"):
        load_ecotaxa(tmp_path)


def test_wrong_type_names_the_column_and_the_line(export):
    table = export / "s1" / "ecotaxa_s1.tsv"
    lines = table.read_text().splitlines()
    cells = lines[3].split("\t")
    cells[HEADER.index("object_area")] = "big"
    lines[3] = "\t".join(cells)
    table.write_text("\n".join(lines) + "\n")
    with pytest.raises(EcoTaxaError, match="'object_area' should hold numbers.*line 4: 'big'"):
        read_ecotaxa_table(export)


def test_wrong_type_without_a_type_row_in_a_known_numeric_column(tmp_path):
    write_tsv(tmp_path / "t.tsv", [["a", "north", "v", "x", "a.png", 0, 1, 1, "s"]], types=None)
    with pytest.raises(EcoTaxaError, match="'object_lat' should hold numbers.*line 2: 'north'"):
        read_ecotaxa_table(tmp_path)


def test_malformed_type_row(tmp_path):
    types = TYPES.copy()
    types[2] = "text"
    write_tsv(tmp_path / "t.tsv", [["a", 1, "v", "x", "a.png", 0, 1, 1, "s"]], types=types)
    with pytest.raises(EcoTaxaError, match="second line mixes types.*'text'"):
        read_ecotaxa_table(tmp_path)


def test_sources_that_are_not_exports(tmp_path):
    with pytest.raises(FileNotFoundError, match="no EcoTaxa export"):
        load_ecotaxa(tmp_path / "nowhere.zip")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EcoTaxaError, match="holds no .tsv table"):
        load_ecotaxa(tmp_path / "empty")
    (tmp_path / "fake.zip").write_bytes(b"PK but not really")
    with pytest.raises(EcoTaxaError, match="neither a folder, a .tsv file nor a zip"):
        load_ecotaxa(tmp_path / "fake.zip")
    with pytest.raises(ValueError, match="size must be"):
        load_ecotaxa(tmp_path, size=2)
