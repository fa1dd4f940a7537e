"""Billing matches by difference: a daily run has Splink score only the profile pairs its drop
can have changed, and reads the others from the previous run.

A pair's Splink score depends on four things: the model, the two profiles' compared values (a
function of the profile itself), the term frequencies of their name and address words, and —
for whether the pair is compared at all — their blocking keys. Between full trainings the model
is kept, and term frequencies are counted against the profiles the model was trained on (a
value's profiles now / the non-null profiles then; at training time that is Splink's own
frequency). So a pair both of whose profiles kept their blocking keys and their values' counts
scores exactly as it did: it is read from the previous run. Every pair with a changed side (a
new profile, a profile whose windowed keys moved or one of whose values was added or removed
elsewhere) is scored by Splink on the whole table, restricted to those pairs. The identity rule,
which reads counts over every profile, then judges all of them again, as a full run does.

The model is trained again when there is no previous state, when the matcher's code, Splink or
the threshold changed, or when the number of profiles moved by more than ``retrain_growth`` of
the number it was trained on.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# The windowed keys move when other profiles join a block; the other blocking rules read the
# profile's own values.
KEY_COLUMNS = ("name_keys", "address_keys", "word_number_keys", "long_number_keys",
               "rare_word_keys")
TF_COLUMNS = ("name", "address_words")  # the columns whose exact level has a tf adjustment
TF_EXACT_UP_TO = 16  # counts up to this are term frequencies as they are
TF_STEP = 2**0.5  # above it, counts rounded to this scale (a common value's daily growth
# crosses a step for about 3 % of values)
RETRAIN_GROWTH = 0.10  # default share of profiles added or removed that calls for a new model
# The code that turns a billing profile into what the model compares: a change to it makes
# every cached score stale.
MATCHER_CODE = ("resolve/fuzzy.py", "resolve/billing_increment.py", "normalise/address.py",
                "normalise/text.py")


@dataclass
class BillingState:
    """What the next run needs to score billing profiles by difference."""

    model: dict  # the Splink model as trained (all digits)
    model_json: str  # the same, stable across trainings on the same profiles (for its digest)
    trained_on: int  # profiles the model was trained on
    tf_totals: dict[str, int]  # non-null profiles per term-frequency column at training
    version: str  # the matcher's code, Splink's version and the threshold
    signatures: pd.DataFrame  # key (the profile hashed), signature (its keys and counts hashed)
    # Pairs Splink scored at or above the threshold: key_l, key_r (profiles as 64-bit keys),
    # match_probability, match_weight and each comparison's level as a small integer (gamma_…):
    # millions of rows at seed.
    scored: pd.DataFrame
    changed: int = 0  # profiles this run scored anew (every one when it trained)
    reused_pairs: int = 0  # scored pairs read from the previous run


def matcher_version(min_probability: float) -> str:
    import splink

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"{splink.__version__}|{min_probability!r}".encode())
    for name in MATCHER_CODE:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:16]


def tf_totals(data: pd.DataFrame) -> dict[str, int]:
    return {column: int(data[column].notna().sum()) for column in TF_COLUMNS}


def coarse_counts(values: pd.Series) -> pd.Series:
    """How many profiles share each value, exact up to ``TF_EXACT_UP_TO`` and above that
    rounded to the nearest step of a scale growing by ``TF_STEP``: a common name or street
    (hundreds or thousands of profiles) gains a few profiles a day, and an exact count would
    change its term frequency, and so the score of every pair on it, every day. Rounded, most
    keep their step; the weight moves by at most a quarter of a bit."""
    counts = values.dropna().value_counts().astype("float64")
    steps = np.round(np.log(counts.clip(lower=1)) / np.log(TF_STEP))
    return counts.where(counts <= TF_EXACT_UP_TO, np.round(TF_STEP ** steps))


def tf_lookup(data: pd.DataFrame, column: str, total: int) -> pd.DataFrame:
    """Splink's term-frequency table for ``column``: each value's coarse count
    (:func:`coarse_counts`) over ``total`` profiles."""
    counts = coarse_counts(data[column])
    return pd.DataFrame({column: counts.index.astype(object),
                         f"tf_{column}": counts.to_numpy(dtype="float64") / max(total, 1)})


def profile_keys(profiles: pd.DataFrame) -> pd.Series:
    """Each profile as a 64-bit hash (pandas' fixed-key hash: the same in every run)."""
    return pd.Series(pd.util.hash_array(profiles["profile"].to_numpy(dtype=object)),
                     index=profiles.index)


def signatures(profiles: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    """Per profile, a hash of what other profiles can change about its pairs: its windowed
    blocking keys and how many profiles share its name and its address words."""
    parts = [data[c].map(lambda keys: "\x1e".join(keys) if isinstance(keys, list) else "")
             for c in KEY_COLUMNS]
    parts += [data[c].map(coarse_counts(data[c])).fillna(0).astype("int64").astype(str)
              for c in TF_COLUMNS]
    text = parts[0].str.cat(parts[1:], sep="\x1f")
    return pd.DataFrame({"key": profile_keys(profiles).to_numpy(),
                         "signature": pd.util.hash_array(text.to_numpy(dtype=object))})


def reusable(previous: BillingState | None, current: pd.DataFrame, version: str,
             growth: float) -> BillingState | None:
    """The previous state when its model and scores may be used for the profiles whose
    ``signatures`` are ``current``."""
    if growth <= 0 or previous is None or previous.version != version or not previous.trained_on:
        return None
    if abs(len(current) - previous.trained_on) > growth * previous.trained_on:
        return None
    if current["key"].duplicated().any():  # pairs are cached by profile key
        return None
    return previous


def changed_profiles(current: pd.DataFrame, previous: BillingState) -> pd.Series:
    """Per profile (aligned with ``current``), whether its pairs must be scored anew."""
    before = previous.signatures.drop_duplicates("key").set_index("key")["signature"]
    kept = current["key"].map(before)
    return pd.Series((kept != current["signature"]).to_numpy() | kept.isna().to_numpy(),
                     index=current.index)


def near_changed(data: pd.DataFrame, changed: pd.Series) -> pd.Series:
    """The changed profiles and every profile sharing a prediction blocking key with one (the
    windowed keys, and the postcode with the name's first two letters): the only rows a pair
    with a changed side can come from, so Splink need not join the others' keys at all."""
    keep = changed.to_numpy().copy()
    for column in KEY_COLUMNS:
        keys = data[column].explode().dropna()
        hot = set(keys[changed.reindex(keys.index).to_numpy()])
        near = keys.index[keys.isin(hot).to_numpy()]
        keep |= data.index.isin(near)
    postcode_name = pd.Series([f"{code}|{name[:2]}" if isinstance(code, str)
                               and isinstance(name, str) else None
                               for code, name in zip(data["postcode"], data["name_compact"],
                                                     strict=True)], dtype=object)
    hot = set(postcode_name[changed.to_numpy()].dropna())
    keep |= postcode_name.isin(hot).to_numpy() & postcode_name.notna().to_numpy()
    return pd.Series(keep, index=data.index)


def unchanged_pairs(previous: BillingState, ids: pd.Series, changed: pd.Series
                    ) -> pd.DataFrame:
    """The previous run's scored pairs between two unchanged profiles, with today's ids
    (``ids``: each profile's unique id by its key, aligned with ``changed``)."""
    still = ids[~changed.to_numpy()]
    scored = previous.scored
    scored = scored[scored["key_l"].isin(still.index) & scored["key_r"].isin(still.index)]
    return scored.assign(key_l=scored["key_l"].map(still), key_r=scored["key_r"].map(still)
                         ).rename(columns={"key_l": "unique_id_l", "key_r": "unique_id_r"}
                                  ).reset_index(drop=True)


def changed_only(model: dict) -> dict:
    """The model with its prediction blocking rules narrowed to pairs with a changed side."""
    narrowed = json.loads(json.dumps(model))
    for rule in narrowed["blocking_rules_to_generate_predictions"]:
        rule["blocking_rule"] = f'({rule["blocking_rule"]}) AND (l."changed" OR r."changed")'
    return narrowed


STATE_FILES = ("meta.json", "signatures.parquet", "scored.parquet")


def save_state(state: BillingState, folder: Path) -> None:
    """Write the state a run produced (its ``resolved`` folder: plain writes suffice, since
    only ``copy_state`` makes it the next run's, whole, after the run committed)."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"model": state.model, "model_json": state.model_json,
            "trained_on": state.trained_on, "tf_totals": state.tf_totals,
            "version": state.version}
    (folder / "meta.json").write_text(json.dumps(meta, default=str))
    state.signatures.to_parquet(folder / "signatures.parquet", index=False)
    state.scored.to_parquet(folder / "scored.parquet", index=False)


def read_state(folder: Path) -> BillingState | None:
    """The state saved in ``folder``, or None when there is none (or only part of one)."""
    if not all((folder / name).exists() for name in STATE_FILES):
        return None
    meta = json.loads((folder / "meta.json").read_text())
    return BillingState(model=meta["model"], model_json=meta["model_json"],
                        trained_on=int(meta["trained_on"]), tf_totals=meta["tf_totals"],
                        version=meta["version"],
                        signatures=pd.read_parquet(folder / "signatures.parquet"),
                        scored=pd.read_parquet(folder / "scored.parquet"))


def copy_state(source: Path, target: Path) -> None:
    """Make the state a run wrote the one the next run compares with. The folder is swapped
    whole: a copy interrupted half way leaves no state (the next run trains anew), never a
    model beside another model's scores. A run that wrote none (too few profiles to train on)
    leaves none: the next run trains."""
    if not all((source / name).exists() for name in STATE_FILES):
        shutil.rmtree(target, ignore_errors=True)
        return
    fresh, stale = target.with_name(f".{target.name}.new"), target.with_name(f".{target.name}.old")
    for leftover in (fresh, stale):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(source, fresh)
    if target.exists():
        target.rename(stale)
    fresh.rename(target)
    shutil.rmtree(stale, ignore_errors=True)
