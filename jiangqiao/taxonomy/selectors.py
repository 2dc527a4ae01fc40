"""Reads of the reference data: lookup, lists, search and cached labels.

Reference data is public within the platform, so unlike other apps' selectors these take no
``user``: every authenticated user may read every scheme.

Search (:func:`term_search`) finds an entry by code prefix (``4403``, ``C34``, ``6-28``), by
name (exact, prefix, then substring; traditional characters and full-width forms are
normalised) or by pinyin (initials ``szs`` → 深圳市, or full pinyin ``shenzhen``). It runs a few
small queries, each on an index of ``(scheme, <key>)`` with a range condition, in rank order:
exact code, code prefix, exact name, name prefix, exact initials, initials prefix, pinyin prefix,
and finally a substring match only when fewer than ``limit`` entries were found. Ties are broken
by ``weight`` (provinces, provincial capitals and 计划单列市 first), level and source order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from jiangqiao.text import search_key

from .choices import SCHEMES, Scheme
from .codelists import LEGACY_DEMAND_CATEGORIES
from .models import Term

#: Longest query accepted by the search.
MAX_QUERY_LENGTH = 50
#: Columns not needed to show search results.
_HEAVY_FIELDS = ("description", "note", "tasks")
_CACHE_TIMEOUT = 60 * 60
_GENERATION_KEY = "taxonomy:generation"
_MISSING = "__missing__"

_CODE_CHARS = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
_INDUSTRY_CODE = re.compile(r"^([A-Ta-t])?(\d{0,4})$")
_REGION_CODE = re.compile(r"^\d{1,6}$")
_OCCUPATION_CODE = re.compile(r"^\d(?:-\d{0,2}){0,3}$")
_OCCUPATION_DIGITS = re.compile(r"^\d{1,7}$")
_CODE_LIST_CODE = re.compile(r"^[a-z0-9][a-z0-9_.]*$")
_ASCII_WORD = re.compile(r"^[a-z]+$")


class TermInfo(NamedTuple):
    """The cached essentials of a term."""

    scheme: str
    code: str
    name: str
    level: int
    is_active: bool
    display_label: str
    path_label: str
    version: str


# --------------------------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------------------------


def _occupation_from_digits(digits: str) -> str:
    """``62801`` → ``6-28-01``; ``6280101`` → ``6-28-01-01``."""
    parts = [digits[:1]] + [digits[i : i + 2] for i in range(1, len(digits), 2)]
    return "-".join(part for part in parts if part)


def canonical_code(scheme: str, raw: str) -> str:
    """The stored form of a code as users type it.

    * industry: upper case; a section letter before digits is dropped (``c3461`` → ``3461``);
    * region: a 2- or 4-digit prefix is completed with zeros (``44`` → ``440000``,
      ``4403`` → ``440300``); 9- or 12-digit statistical codes are cut to 6 digits;
    * occupation: bare digits get their hyphens (``6280101`` → ``6-28-01-01``);
    * code lists: lower case; a demand category code of the first (invented) list becomes the
      code of the 2022 class that replaced it (``tech.process`` → ``innovate.process``).
    """
    code = (raw or "").strip().replace(" ", "")
    if scheme == Scheme.INDUSTRY:
        code = code.upper()
        match = _INDUSTRY_CODE.match(code)
        if match and match.group(1) and match.group(2):
            return match.group(2)
        return code
    if scheme == Scheme.REGION:
        if code.isdigit():
            if len(code) in (2, 4):
                return code.ljust(6, "0")
            if len(code) in (9, 12):
                return code[:6]
        return code
    if scheme == Scheme.OCCUPATION:
        if len(code) == 7 and code.isdigit():
            return _occupation_from_digits(code)
        return code
    code = code.lower()
    if scheme == Scheme.DEMAND_CATEGORY:
        return LEGACY_DEMAND_CATEGORIES.get(code, code)
    return code


@dataclass(frozen=True)
class ParsedQuery:
    """A search query broken into the keys each search stage uses."""

    raw: str
    key: str
    exact_code: str | None
    code_prefix: str | None
    path_prefix: str | None

    @property
    def is_ascii_word(self) -> bool:
        return bool(_ASCII_WORD.match(self.key))


def parse_query(scheme: str, q: str) -> ParsedQuery:
    """Split ``q`` into a code (exact and prefix) and a normalised name key."""
    raw = (q or "").strip()[:MAX_QUERY_LENGTH]
    key = search_key(raw)
    compact = raw.replace(" ", "")
    exact: str | None = None
    code_prefix: str | None = None
    path_prefix: str | None = None
    if scheme == Scheme.INDUSTRY:
        match = _INDUSTRY_CODE.match(compact)
        if match and compact:
            section, digits = match.group(1), match.group(2)
            if section and digits:
                # 大类 codes are unique across sections: search the digits, within the section.
                path_prefix = f"{section.upper()}/"
                code_prefix = exact = digits
            elif section:
                path_prefix = section.upper()
                exact = section.upper()
            else:
                code_prefix = exact = digits
    elif scheme == Scheme.REGION:
        if _REGION_CODE.match(compact):
            code_prefix = compact
            exact = canonical_code(scheme, compact)
    elif scheme == Scheme.OCCUPATION:
        if _OCCUPATION_DIGITS.match(compact) and len(compact) > 1:
            code_prefix = _occupation_from_digits(compact)
        elif _OCCUPATION_CODE.match(compact):
            code_prefix = compact
        if code_prefix:
            exact = code_prefix
    elif _CODE_LIST_CODE.match(compact.lower()):
        code_prefix = exact = compact.lower()
    return ParsedQuery(
        raw=raw, key=key, exact_code=exact, code_prefix=code_prefix, path_prefix=path_prefix
    )


def _prefix_q(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, written so that the ``(scheme, field)`` index is used.

    ``LIKE 'p%'`` alone cannot use a B-tree index on SQLite (case-insensitive LIKE) nor on
    PostgreSQL with a non-C collation, so a range ``[stem, successor(stem))`` is added. Codes,
    initials and pinyin are ASCII, for which every usual collation agrees with the range; for
    Chinese names the range is exact under code-point orderings (SQLite, PostgreSQL ``C`` /
    ``C.UTF-8`` / ICU root). Under a pinyin-ordered collation (``zh_CN``) it may miss some name-
    prefix hits, which the substring stage of :func:`term_search` still finds.
    """
    condition = Q(**{f"{field}__startswith": prefix})
    stem = prefix.rstrip("-/ ")
    if stem and ord(stem[-1]) < 0x10FFFF:
        successor = ord(stem[-1]) + 1
        if 0xD800 <= successor <= 0xDFFF:  # skip the surrogates, which cannot be encoded
            successor = 0xE000
        condition &= Q(**{f"{field}__gte": stem, f"{field}__lt": stem[:-1] + chr(successor)})
    return condition


def _code_q(parsed: ParsedQuery) -> Q | None:
    if parsed.code_prefix:
        condition = _prefix_q("code", parsed.code_prefix)
        if parsed.path_prefix:
            condition &= Q(path__startswith=parsed.path_prefix)
        return condition
    if parsed.path_prefix:
        return _prefix_q("path", parsed.path_prefix)
    return None


# --------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------


def _levels(level: int | Iterable[int] | None) -> list[int] | None:
    if level is None:
        return None
    if isinstance(level, int):
        return [level]
    return [int(item) for item in level]


def _base(
    scheme: str,
    *,
    level: int | Iterable[int] | None = None,
    parent: str | None = None,
    within: str | None = None,
    active_only: bool = True,
) -> QuerySet[Term]:
    qs = Term.objects.filter(scheme=scheme)
    if active_only:
        qs = qs.filter(is_active=True)
    levels = _levels(level)
    if levels:
        qs = qs.filter(level__in=levels) if len(levels) > 1 else qs.filter(level=levels[0])
    if parent:
        parent_code = canonical_code(scheme, parent)
        if not _CODE_CHARS.match(parent_code):
            return qs.none()
        qs = qs.filter(parent_code=parent_code)
    if within:
        ancestor = get_term(scheme, within)
        if ancestor is None:
            return qs.none()
        qs = qs.filter(_prefix_q("path", ancestor.path + "/"))
    return qs


def term_list(
    *,
    scheme: str,
    level: int | Iterable[int] | None = None,
    parent: str | None = None,
    within: str | None = None,
    q: str | None = None,
    active_only: bool = True,
) -> QuerySet[Term]:
    """Entries of ``scheme`` as a queryset (for paginated lists), optionally filtered.

    ``parent`` keeps the direct children of a code, ``within`` all descendants of a code. With
    ``q`` the rows are filtered and ordered as :func:`term_search` ranks them, in one query.
    """
    qs = _base(scheme, level=level, parent=parent, within=within, active_only=active_only)
    parsed = parse_query(scheme, q or "")
    if not parsed.key:
        return qs.order_by("level", "sort", "code")
    code_q = _code_q(parsed)
    condition = Q(search_name__contains=parsed.key)
    whens = [
        When(search_name=parsed.key, then=Value(2)),
        When(search_name__startswith=parsed.key, then=Value(3)),
    ]
    if code_q is not None:
        condition |= code_q
        whens.insert(0, When(code_q, then=Value(1)))
        if parsed.exact_code:
            whens.insert(0, When(code=parsed.exact_code, then=Value(0)))
    if parsed.is_ascii_word:
        condition |= Q(initials__startswith=parsed.key) | Q(pinyin__startswith=parsed.key)
        whens += [
            When(initials=parsed.key, then=Value(4)),
            When(initials__startswith=parsed.key, then=Value(5)),
            When(pinyin__startswith=parsed.key, then=Value(6)),
        ]
    rank = Case(*whens, default=Value(7), output_field=IntegerField())
    return (
        qs.filter(condition)
        .annotate(match_rank=rank)
        .order_by("match_rank", "-weight", "level", "sort")
    )


def term_children(scheme: str, parent_code: str, *, active_only: bool = True) -> QuerySet[Term]:
    """Direct children of ``parent_code`` (top-level entries for ``""``), in source order."""
    qs = Term.objects.filter(scheme=scheme, parent_code=parent_code)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("sort", "code")


def term_ancestors(term: Term) -> list[Term]:
    """The ancestors of ``term`` from the top level down (one query)."""
    codes = term.path_codes()[:-1]
    if not codes:
        return []
    found = {t.code: t for t in Term.objects.filter(scheme=term.scheme, code__in=codes)}
    return [found[code] for code in codes if code in found]


def scheme_summaries() -> list[dict[str, Any]]:
    """Every scheme with its version and the number of active entries per level."""
    counts: dict[str, dict[int, int]] = {}
    rows = (
        Term.objects.filter(is_active=True)
        .values("scheme", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["scheme"], {})[row["level"]] = row["n"]
    summaries = []
    for scheme, info in SCHEMES.items():
        per_level = counts.get(scheme, {})
        summaries.append(
            {
                "scheme": scheme,
                "label": info.label,
                "version": info.version,
                "source": info.source,
                "count": sum(per_level.values()),
                "levels": [
                    {"level": level, "name": info.level_name(level), "count": per_level[level]}
                    for level in sorted(per_level)
                ],
            }
        )
    return summaries


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


def term_search(
    *,
    scheme: str,
    q: str,
    limit: int = 20,
    level: int | Iterable[int] | None = None,
    parent: str | None = None,
    within: str | None = None,
    active_only: bool = True,
    prefer: str | None = None,
) -> list[Term]:
    """Best matches for ``q`` in ``scheme``, ranked (see the module docstring).

    An empty ``q`` returns the first entries in source order (for short code lists: all).
    ``prefer`` is a code prefix ranked first among equal name matches (the user's province:
    南山 finds 深圳 南山区 before 鹤岗 南山区 for a Guangdong user).
    """
    limit = max(1, min(int(limit), 100))
    base = _base(scheme, level=level, parent=parent, within=within, active_only=active_only)
    base = base.defer(*_HEAVY_FIELDS)
    parsed = parse_query(scheme, q)
    if not parsed.key:
        return list(base.order_by("level", "sort")[:limit])

    results: list[Term] = []
    seen: set[int] = set()

    def take(qs: QuerySet[Term]) -> None:
        for term in qs[: limit + len(seen)]:
            if term.pk not in seen and len(results) < limit:
                seen.add(term.pk)
                results.append(term)

    near = (
        Case(
            When(code__startswith=prefer, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        if prefer
        else Value(0, output_field=IntegerField())
    )

    def exact_first(field: str, value: str | None) -> Case:
        if value is None:
            return Case(default=Value(1), output_field=IntegerField())
        return Case(
            When(**{field: value}, then=Value(0)), default=Value(1), output_field=IntegerField()
        )

    code_q = _code_q(parsed)
    if code_q is not None:
        take(
            base.filter(code_q)
            .annotate(exact=exact_first("code", parsed.exact_code))
            .order_by("exact", "level", "sort")
        )
    if len(results) < limit:
        take(
            base.filter(_prefix_q("search_name", parsed.key))
            .annotate(exact=exact_first("search_name", parsed.key), near=near)
            .order_by("exact", "near", "-weight", "level", "sort")
        )
    if parsed.is_ascii_word and len(results) < limit:
        take(
            base.filter(_prefix_q("initials", parsed.key))
            .annotate(exact=exact_first("initials", parsed.key))
            .order_by("exact", "-weight", "level", "sort")
        )
        if len(parsed.key) >= 2 and len(results) < limit:
            take(base.filter(_prefix_q("pinyin", parsed.key)).order_by("-weight", "level", "sort"))
    if len(results) < limit:
        take(
            base.filter(search_name__contains=parsed.key)
            .annotate(near=near)
            .order_by("near", "-weight", "level", "sort")
        )
    return results


# --------------------------------------------------------------------------------------------
# Single entries and cached labels
# --------------------------------------------------------------------------------------------


def get_term(scheme: str, code: str, *, active_only: bool = False) -> Term | None:
    """The entry with ``code`` (as typed: see :func:`canonical_code`), or ``None``."""
    if scheme not in SCHEMES:
        return None
    canonical = canonical_code(scheme, code)
    if not _CODE_CHARS.match(canonical):
        return None
    qs = Term.objects.filter(scheme=scheme, code=canonical)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.first()


def term_candidates(
    scheme: str, text: str, *, levels: Iterable[int] | None = None, limit: int = 10
) -> list[Term]:
    """Entries that ``text`` may designate: its code, or entries with exactly that name.

    ``text`` may be a path such as ``北京市 朝阳区`` or ``广东省/深圳市``: the last part is the
    name and the other parts must appear in the entry's full name. Used by form fields to accept
    a name that resolves unambiguously. A code is returned whatever its level or status (the
    validator then says what is wrong with it); names are matched among active entries at
    ``levels``.
    """
    level_list = _levels(levels)
    term = get_term(scheme, text)
    if term is not None:
        return [term]  # a code is unambiguous; level and status are the validator's business
    parts = [search_key(part) for part in re.split(r"[/／>\s,，、]+", text or "") if part.strip()]
    if not parts:
        return []
    qs = Term.objects.filter(scheme=scheme, is_active=True, search_name=parts[-1])
    if level_list:
        qs = qs.filter(level__in=level_list)
    candidates = list(qs.order_by("level", "sort")[: limit * 5])
    if len(parts) > 1:
        candidates = [
            t for t in candidates if all(part in search_key(t.path_label) for part in parts[:-1])
        ]
    return candidates[:limit]


def _generation() -> int:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        cache.add(_GENERATION_KEY, 1, None)
        generation = cache.get(_GENERATION_KEY, 1)
    return int(generation)


def clear_term_cache() -> None:
    """Invalidate every cached label (called by the loader after a change)."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.set(_GENERATION_KEY, 2, None)


def _cache_key(generation: int, scheme: str, code: str) -> str:
    return f"taxonomy:{generation}:{scheme}:{code}"


def _info(term: Term) -> TermInfo:
    return TermInfo(
        scheme=term.scheme,
        code=term.code,
        name=term.name,
        level=term.level,
        is_active=term.is_active,
        display_label=term.display_label,
        path_label=term.path_label,
        version=term.version,
    )


def term_info(scheme: str, code: str) -> TermInfo | None:
    """Cached essentials of an entry (active or not), or ``None`` if the code is unknown."""
    if scheme not in SCHEMES or not code:
        return None
    canonical = canonical_code(scheme, str(code))
    if not _CODE_CHARS.match(canonical):
        return None
    key = _cache_key(_generation(), scheme, canonical)
    cached = cache.get(key)
    if cached == _MISSING:
        return None
    if cached is not None:
        return TermInfo(*cached)
    term = Term.objects.filter(scheme=scheme, code=canonical).defer(*_HEAVY_FIELDS).first()
    info = _info(term) if term else None
    cache.set(key, tuple(info) if info else _MISSING, _CACHE_TIMEOUT)
    return info


def term_infos(scheme: str, codes: Iterable[str]) -> dict[str, TermInfo]:
    """Cached essentials of several entries, keyed by the codes as given (unknown ones left out)."""
    wanted = {code: canonical_code(scheme, str(code)) for code in codes if code}
    wanted = {code: canonical for code, canonical in wanted.items() if _CODE_CHARS.match(canonical)}
    if scheme not in SCHEMES or not wanted:
        return {}
    generation = _generation()
    keys = {canonical: _cache_key(generation, scheme, canonical) for canonical in wanted.values()}
    cached = cache.get_many(list(keys.values()))
    found: dict[str, TermInfo | None] = {}
    for canonical, key in keys.items():
        if key in cached:
            found[canonical] = None if cached[key] == _MISSING else TermInfo(*cached[key])
    missing = [canonical for canonical in keys if canonical not in found]
    if missing:
        terms = Term.objects.filter(scheme=scheme, code__in=missing).defer(*_HEAVY_FIELDS)
        for term in terms:
            found[term.code] = _info(term)
        to_cache: dict[str, Any] = {}
        for canonical in missing:
            info = found.get(canonical)
            found[canonical] = info
            to_cache[keys[canonical]] = tuple(info) if info else _MISSING
        cache.set_many(to_cache, _CACHE_TIMEOUT)
    return {
        code: info
        for code, canonical in wanted.items()
        if (info := found.get(canonical)) is not None
    }


def code_exists(
    scheme: str, code: str, *, levels: Iterable[int] | None = None, active_only: bool = True
) -> bool:
    """Whether ``code`` is a (by default active) entry of ``scheme``, optionally at ``levels``."""
    info = term_info(scheme, code)
    if info is None or (active_only and not info.is_active):
        return False
    level_list = _levels(levels)
    return not level_list or info.level in level_list


def term_label(scheme: str, code: str, default: str = "") -> str:
    """The label of ``code`` (cached); ``default`` if the code is unknown."""
    info = term_info(scheme, code)
    return info.name if info else default


def term_labels(scheme: str, codes: Iterable[str]) -> dict[str, str]:
    """Labels of several codes (cached), keyed by the codes as given."""
    return {code: info.name for code, info in term_infos(scheme, codes).items()}


def term_tag(scheme: str, code: str) -> dict[str, str] | None:
    """The tag ``{scheme, code, label, version}`` of ``code`` (cached), or ``None``."""
    info = term_info(scheme, code)
    if info is None:
        return None
    return {"scheme": info.scheme, "code": info.code, "label": info.name, "version": info.version}


# --------------------------------------------------------------------------------------------
# Versions (the system administrator's home panel)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeVersion:
    """One scheme's reference data as loaded, against the version this release ships."""

    scheme: str
    label: str
    shipped: str
    loaded: tuple[str, ...]
    count: int
    loaded_at: Any

    @property
    def current(self) -> bool:
        """Loaded, and every active entry is of the shipped version."""
        return self.loaded == (self.shipped,)


def scheme_versions() -> list[SchemeVersion]:
    """Per scheme: the versions of its active entries, their number and the last load's time —
    a scheme whose entries are not all of the shipped version needs ``load_reference_data``."""
    from django.db.models import Max

    rows = (
        Term.objects.filter(is_active=True)
        .values("scheme", "version")
        .annotate(n=Count("id"), at=Max("updated_at"))
        .order_by()
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(row["scheme"], []).append(row)
    out = []
    for scheme, info in SCHEMES.items():
        parts = found.get(scheme, [])
        out.append(
            SchemeVersion(
                scheme=scheme,
                label=info.label,
                shipped=info.version,
                loaded=tuple(sorted(p["version"] for p in parts)),
                count=sum(p["n"] for p in parts),
                loaded_at=max((p["at"] for p in parts), default=None),
            )
        )
    return out
