"""Prefix keys that turn "industry/region/occupation subtree" into one indexed range query.

Multi-valued codes are stored twice: as a JSON list of taxonomy codes on the row (portable, what
forms and the API read) and as rows of ``CraftsmanCode(scheme, key)`` (what filters query). The
``key`` is built so that *every entry of a subtree starts with the subtree's key*, using only
letters and digits (no separators that a collation might ignore):

* industry (GB/T 4754): the 门类 letter followed by the code — ``C`` → ``C``, ``34`` → ``C34``,
  ``341`` → ``C341``, ``3411`` → ``C3411``. The taxonomy stores divisions without their letter,
  so the letter comes from the term's path (``C/34/341/3411``).
* region (GB/T 2260): the six digits; the subtree prefix is the code cut to its level —
  province ``440000`` → ``44``, city ``440300`` → ``4403``, county ``440305`` → ``440305``.
* occupation (大典 2022): digits only — ``6-28-01-01`` → ``6280101``; the prefix is cut to the
  level (1, 3, 5 or 7 digits).
* flat code lists (service modes, expertise tags, service types): the code itself, exact match.

A subtree filter is ``EXISTS (SELECT 1 FROM talents_craftsmancode WHERE craftsman_id = outer.id
AND scheme = %s AND key >= prefix AND key < prefix || '~')`` — a range on the
``(scheme, key, craftsman_id)`` index on SQLite and PostgreSQL alike (``~`` sorts after every
character a key can hold).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from jiangqiao.taxonomy.selectors import (
    TermInfo,
    canonical_code,
    get_term,
    term_info,
    term_infos,
)

UPPER_SENTINEL = "~"
HIERARCHICAL = {"industry", "region", "occupation"}
_REGION_PREFIX_LENGTH = {1: 2, 2: 4, 3: 6}
_OCCUPATION_PREFIX_LENGTH = {1: 1, 2: 3, 3: 5, 4: 7}


def _lettered(code: str, path: str) -> str:
    """An industry code with its 门类 letter (from the term's path ``C/34/341/3411``)."""
    letter = path.split("/")[0] if path else code
    return code if code == letter else f"{letter}{code}"


def _industry_key(code: str) -> str | None:
    term = get_term("industry", code)
    return _lettered(term.code, term.path) if term is not None else None


def _info_key(scheme: str, info: TermInfo | None) -> str | None:
    if info is None:
        return None
    return info.code.replace("-", "") if scheme == "occupation" else info.code


def code_key(scheme: str, code: str) -> str | None:
    """The stored key of ``code`` (``None`` if the code does not exist)."""
    if scheme == "industry":
        return _industry_key(code)
    return _info_key(scheme, term_info(scheme, code))


def code_keys_many(scheme: str, codes: Iterable[str]) -> dict[str, str | None]:
    """``code_key`` of several codes of one scheme in one query (bulk imports), keyed by the
    codes as given; unknown codes map to ``None``."""
    from jiangqiao.taxonomy.models import Term

    wanted = {code for code in codes if code}
    if scheme != "industry":
        infos = term_infos(scheme, wanted)
        return {code: _info_key(scheme, infos.get(code)) for code in wanted}
    canonical = {code: canonical_code(scheme, code) for code in wanted}
    paths = dict(
        Term.objects.filter(scheme=scheme, code__in=set(canonical.values())).values_list(
            "code", "path"
        )
    )
    return {
        code: _lettered(canon, paths[canon]) if canon in paths else None
        for code, canon in canonical.items()
    }


def subtree_prefix(scheme: str, code: str) -> str | None:
    """The key prefix shared by ``code`` and every entry below it (``None`` if unknown)."""
    if scheme == "industry":
        return _industry_key(code)
    info = term_info(scheme, code)
    if info is None:
        return None
    if scheme == "region":
        return info.code[: _REGION_PREFIX_LENGTH.get(info.level, 6)]
    if scheme == "occupation":
        return info.code.replace("-", "")[: _OCCUPATION_PREFIX_LENGTH.get(info.level, 7)]
    return info.code


def prefix_range_q(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix`` as a b-tree range (no LIKE, no operator class)."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + UPPER_SENTINEL})


def code_exists_q(scheme: str, code: str, *, subtree: bool = True) -> Q:
    """Craftsmen that hold ``code`` of ``scheme`` (or, by default, any code below it)."""
    from .models import CraftsmanCode

    if subtree and scheme in HIERARCHICAL:
        prefix = subtree_prefix(scheme, code)
        if prefix is None:
            return Q(pk__in=[])
        condition = prefix_range_q("key", prefix)
    else:
        key = code_key(scheme, code)
        if key is None:
            return Q(pk__in=[])
        condition = Q(key=key)
    return Q(
        Exists(CraftsmanCode.objects.filter(condition, scheme=scheme, craftsman_id=OuterRef("pk")))
    )
