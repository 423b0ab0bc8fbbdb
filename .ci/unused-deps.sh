#!/usr/bin/env bash
# Fails (exit 1) when a workspace crate declares a dependency its code never
# names, or the root Cargo.toml declares a [workspace.dependencies] entry no
# crate uses: what `cargo machete` does, without installing it.
#
# A dependency `foo-bar` (or the key of a `package = ` rename) counts as
# used when any .rs file of the crate (its whole folder, so src/, tests/,
# benches/, build.rs and custom target paths alike) has `use foo_bar`,
# `foo_bar::`, `extern crate foo_bar` or an attribute `#[foo_bar...]`.
# A dependency needed only for its side effects (a feature, a linked C
# library) is listed, with the reason beside it, in its crate's
#   [package.metadata.cargo-machete]
#   ignored = ["name"]
# (cargo machete's own key, so either tool reads it).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - <<'PY'
import glob
import os
import re
import sys
import tomllib

SECTIONS = ("dependencies", "dev-dependencies", "build-dependencies")


def load(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def declared(manifest):
    """(section, name) of every dependency, target-specific ones included."""
    tables = [("", manifest)]
    tables += [
        (f"target.{target}.", table)
        for target, table in manifest.get("target", {}).items()
    ]
    for prefix, table in tables:
        for section in SECTIONS:
            for name in table.get(section, {}):
                yield prefix + section, name


def sources(directory):
    """Every .rs file of a crate, not descending into other packages."""
    for root, dirs, files in os.walk(directory):
        dirs[:] = [
            d
            for d in dirs
            if d != "target"
            and not d.startswith(".")
            and not os.path.exists(os.path.join(root, d, "Cargo.toml"))
        ]
        for file in files:
            if file.endswith(".rs"):
                with open(os.path.join(root, file), encoding="utf-8") as f:
                    yield f.read()


def used(name, text):
    ident = re.escape(name.replace("-", "_"))
    return re.search(
        rf"\buse\s+(::)?{ident}\b"
        rf"|\b{ident}::"
        rf"|\bextern\s+crate\s+{ident}\b"
        rf"|#\[\s*{ident}\b",
        text,
    )


root = load("Cargo.toml")
members = []
for pattern in root["workspace"]["members"]:
    members += sorted(
        d for d in glob.glob(pattern) if os.path.exists(os.path.join(d, "Cargo.toml"))
    )

problems = []
referenced = set()
for member in members:
    manifest = load(os.path.join(member, "Cargo.toml"))
    crate = manifest["package"]["name"]
    ignored = set(
        manifest["package"]
        .get("metadata", {})
        .get("cargo-machete", {})
        .get("ignored", [])
    )
    text = "\n".join(sources(member))
    for section, name in declared(manifest):
        referenced.add(name)
        if name not in ignored and not used(name, text):
            problems.append(f"{crate}: {name} ({section}) is declared but never used")

for name in root["workspace"].get("dependencies", {}):
    if name not in referenced:
        problems.append(f"workspace: {name} ([workspace.dependencies]) is used by no crate")

for problem in problems:
    print(problem)
if problems:
    sys.exit(1)
print(f"unused dependencies: none ({len(members)} crates)")
PY
