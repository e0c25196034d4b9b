"""Fetching a corpus archive into a recipe's download folder, atomically: a folder is either the
whole unpacked corpus or absent, so an interrupted download is simply started again."""
import logging
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path
from typing import Union

from recipe_common.errors import InputError


def download_tarball(url: str, out: Union[str, Path], marker: str) -> Path:
    """Unpacks the .tar.gz at `url` so that `out` is the folder of the archive holding `marker` (a
    relative path, e.g. "etc/an4_train.transcription"); skipped when `out/marker` exists."""
    out = Path(out)
    if (out / marker).is_file():
        logging.info(f"{out} exists, skipping download")
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        archive = Path(tmp) / Path(url).name
        logging.info(f"downloading {url}")
        urllib.request.urlretrieve(url, archive)
        with tarfile.open(archive) as tf:
            tf.extractall(Path(tmp) / "unpacked", filter="data")
        found = next((Path(tmp) / "unpacked").glob(f"**/{marker}"), None)
        if found is None:
            raise InputError(f"{url}: the archive holds no {marker}")
        root = found
        for _ in Path(marker).parts:
            root = root.parent
        shutil.move(str(root), str(out))
    return out
