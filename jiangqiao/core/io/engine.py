"""The import engine: file → header matching → row checks → duplicates → preview → commit.

Guarantees (tested in ``core/tests/test_io_*.py`` and every app's import tests):

* **Nothing is lost.** Every data row ends in exactly one outcome — new, update (or unchanged),
  duplicate (merged into another row or an existing record) or error — and
  ``new + update + unchanged + duplicate + error == rows``. Error rows, with an added 错误原因
  column, make up the error workbook.
* **All errors at once**, as ``第n行【列名】message`` (n is the spreadsheet row number).
* **Nothing partial.** A commit runs in one transaction; in the all-or-nothing mode a single error
  row means nothing is written; in the "valid rows" mode exactly the error rows are left out. A job
  killed in the middle leaves the database as it was (the transaction never commits). On SQLite
  the "valid rows" mode writes in short transactions instead (``commit_in_batches``, see
  ``services``): a killed job keeps what it had committed, and committing again completes it.
* **Scope per row** (the importer checks each row's unit against the user's scope) and in aggregate
  (after writing, every written record must be visible to the user, or everything rolls back).
  A row whose key matches a record outside the user's scope is an error that says only that the
  record is registered in another unit (``core.probes.elsewhere``): no name, unit or link, no
  merge; the matches are collected in ``Analysis.foreign`` for the log and the rate limit.
* **Idempotent.** Rows are matched to existing records by their key (ID number, USCC, demand
  number) or, failing that, by a tolerant "soft" key (e.g. name + employer + mobile, compared after
  traditional → simplified and blank/punctuation folding); re-importing a file changes nothing.

An app supplies an :class:`Importer` subclass: ``prepare`` (domain checks of one row),
``hard_key``/``soft_key``, ``find_existing`` (a few batched queries) and ``write`` (bulk writes
with the same derived columns, change-log rows and source rows as its services).
"""

from __future__ import annotations

import hashlib
import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from jiangqiao.core.choices import MergePolicy, RowOutcome
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.probes import elsewhere, record_key

from . import values as V
from .files import FileRejected, Table, cell_ref, col_index, merged_cells_in, read_table
from .spec import Column, ImportSpec, header_key, header_map

ProgressFn = Callable[[int, int | None, str], None]
#: How many row messages are kept in the batch's result (the error workbook has all of them).
MAX_STORED_MESSAGES = 2000
#: How many duplicate groups with differing values are kept for the merge page.
MAX_STORED_GROUPS = 500
LOOKUP_CHUNK = 500


def _noop(done: int, total: int | None = None, message: str = "") -> None:
    return None


class RowError(Exception):
    """One or more problems of a row: ``[(column name or "", message)]``."""

    def __init__(self, problems: list[tuple[str, str]] | str, field: str = "") -> None:
        if isinstance(problems, str):
            problems = [(field, problems)]
        super().__init__("; ".join(m for _, m in problems))
        self.problems = problems


@dataclass
class Existing:
    """A record already in the database that rows match.

    ``visible``: the user may change it. ``in_scope``: the user may at least see it; a record the
    user cannot see is never described (its ``label``, ``owner`` and ``values`` stay unused).
    Unset, it counts as ``visible``.
    """

    pk: Any
    values: dict[str, Any]
    label: str
    visible: bool = True
    hard_key: str | None = None
    owner: str = ""
    in_scope: bool | None = None

    @property
    def viewable(self) -> bool:
        return self.visible if self.in_scope is None else self.in_scope


@dataclass
class Member:
    row: int
    data: dict[str, Any]
    hard: str | None = None
    soft: str | None = None


@dataclass
class Group:
    """Rows that describe the same record (and the existing record, if any)."""

    key: str
    members: list[Member]
    existing: Existing | None = None
    existing_by: str = ""  # "hard" | "soft"
    merged: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    conflicts: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    pk: Any = None

    @property
    def first_row(self) -> int:
        return self.members[0].row


@dataclass
class Analysis:
    spec: ImportSpec
    table: Table | None
    header_row: int = 0
    columns: dict[int, Column] = field(default_factory=dict)
    ignored_headers: list[str] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    row_errors: dict[int, list[str]] = field(default_factory=dict)
    outcomes: dict[int, str] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    total_rows: int = 0
    #: Records outside the user's scope that rows matched (``core.probes.record_key`` values).
    foreign: set[str] = field(default_factory=set)
    #: Notes on rows that are imported all the same (``Importer.check_warnings``).
    row_warnings: dict[int, list[str]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        counts = {outcome.value: 0 for outcome in RowOutcome}
        for outcome in self.outcomes.values():
            counts[outcome] += 1
        counts["total"] = self.total_rows
        return counts

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors

    def warning_messages(self, limit: int = MAX_STORED_MESSAGES) -> list[str]:
        return [
            f"第{row}行{message}"
            for row in sorted(self.row_warnings)
            for message in self.row_warnings[row]
        ][:limit]

    def messages(self, limit: int = MAX_STORED_MESSAGES) -> list[str]:
        out = list(self.file_errors)
        for row in sorted(self.row_errors):
            for message in self.row_errors[row]:
                out.append(f"第{row}行{message}")
                if len(out) >= limit:
                    return out
        return out


class Importer(ABC):
    """Base class of an app's importer (see the module docstring)."""

    spec: ClassVar[ImportSpec]
    model: ClassVar[type[models.Model]]
    #: Fields compared and merged between duplicates, in display order.
    merge_fields: ClassVar[tuple[str, ...]] = ()
    #: Fields shown masked on the merge page (personal identifiers).
    masked_fields: ClassVar[tuple[str, ...]] = ()
    #: List fields merged as the union of every source (honours, service items).
    union_fields: ClassVar[tuple[str, ...]] = ()

    #: A hard key given in the sheet must exist (a demand number); the message otherwise.
    missing_hard_key: ClassVar[str] = ""
    #: A row matching a record outside the user's scope: what the record is (人员, 企业, 需求) and
    #: the columns named for a match by the hard key and by the soft key.
    foreign_noun: ClassVar[str] = "记录"
    foreign_labels: ClassVar[tuple[str, str]] = ("", "")
    #: The columns ``hard_key``/``soft_key`` read, when they can be computed from those cells
    #: alone (text or identifier columns, converted but not prepared). Then every row's keys are
    #: known before the rows are checked, a row that shares no key with another row or with an
    #: existing record is a new record of its own as soon as it passes, and a commit writes such
    #: rows (``write_new``, inside ``writing``) while the rest of the file is still being checked.
    key_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def came_from(cls, batch: Any, user: Any) -> dict[str, str] | None:
        """Where an import was opened for one object (an app's own import page, e.g. the trainees
        of one class): ``{"url", "label", "upload"}`` — the batch page leads back to ``url`` and
        its 上传新文件 opens ``upload`` instead of the general import page. ``None``: the general
        import page. Read through the user's scope (a hidden object gives ``None``)."""
        return None

    def __init__(self, *, user: Any, source_label: str = "", batch: Any = None) -> None:
        self.user = user
        self.mode = "all"
        #: Rows whose write failed in the "valid rows" mode: row → message.
        self.failed: dict[int, str] = {}
        self.source_label = source_label
        self.batch = batch
        #: The spreadsheet row number of the row being prepared (set before each ``prepare``):
        #: an importer that refuses a repeated row can name the row it repeats.
        self.current_row = 0
        region = ""
        org = getattr(user, "org", None)
        if org is not None and org.region_code:
            region = str(org.region_code)[:2]
        self.resolver = V.CodeResolver(prefer_region=region)
        self._orgs: dict[str, list[Any]] | None = None
        self._org_ids: set[int] | None = None
        self._memo: dict[str, dict[tuple[type, Any], tuple[bool, Any]]] = {}

    # -- hooks -----------------------------------------------------------------------------------

    def check_permissions(self) -> None:
        """Raise ``BusinessError`` when the user may not import this kind of record at all."""
        meta = self.model._meta
        if not self.user.has_perm(f"{meta.app_label}.add_{meta.model_name}"):
            raise BusinessError(f"您没有新增{meta.verbose_name}的权限，不能导入")
        if self.spec.permission and not self.user.has_perm(self.spec.permission):
            raise BusinessError(f"您没有导入{meta.verbose_name}的权限")

    @abstractmethod
    def prepare(self, values: dict[str, Any]) -> dict[str, Any]:
        """Domain checks of one converted row; the row's data, or ``RowError``."""

    def hard_key(self, data: dict[str, Any]) -> str | None:
        return None

    def soft_key(self, data: dict[str, Any]) -> str | None:
        return None

    def find_existing(
        self, hard: set[str], soft: set[str]
    ) -> tuple[dict[str, Existing], dict[str, Existing]]:
        return {}, {}

    def display(self, name: str, value: Any) -> str:
        """A value as shown on the merge page (labels, masking)."""
        if value in (None, "", []):
            return "（空）"
        if name == "org_id":
            return self.org_name(value)
        if name in self.masked_fields:
            from jiangqiao.core.sensitive import _mask_any

            return _mask_any(name, str(value))
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        if isinstance(value, bool):
            return "是" if value else "否"
        return str(value)

    @abstractmethod
    def write(self, creates: list[Group], updates: list[Group], progress: ProgressFn) -> None:
        """Create and update the records (set ``group.pk`` for created ones)."""

    def writing(self, rows: int) -> AbstractContextManager[None]:
        """The session in which ``write_new`` is called while the file is being checked (at most
        ``rows`` new records); leaving it must leave every record written."""
        return _no_session()

    def check_together(self, groups: list[Group]) -> dict[int, str]:
        """Checks that need several rows at once (a split that must add up), run after the rows
        were checked and grouped: ``{row: message}`` of the rows that fail; their groups become
        error rows (in the "valid rows" mode the others are still written). Default: none."""
        return {}

    def check_warnings(self, groups: list[Group]) -> dict[int, str]:
        """Notes on rows that do not stop them (a row like an existing record, to be checked by
        a person): ``{row: message}``, shown with the preview and kept in the batch's result.
        Run after ``check_together`` on the rows still to be written. Default: none."""
        return {}

    def write_new(self, groups: list[Group]) -> None:
        """Create the records of these groups now (new records of one row each; ``group.pk``).
        By default through ``write``; an importer overrides it to share one session's setup."""
        self.write(groups, [], _noop)

    # -- helpers for subclasses -----------------------------------------------------------------

    def org_ids(self) -> set[int]:
        self._load_orgs()
        assert self._org_ids is not None
        return self._org_ids

    def _load_orgs(self) -> None:
        if self._orgs is not None:
            return
        from jiangqiao.orgs.selectors import organization_choices_for

        orgs: dict[str, list[Any]] = {}
        ids: set[int] = set()
        for org in organization_choices_for(user=self.user, action="view").only(
            "pk", "name", "short_name", "uscc", "region_code", "level", "path"
        ):
            ids.add(org.pk)
            for key in {org.name, org.short_name, org.uscc, str(org.pk)}:
                if key:
                    orgs.setdefault(header_key(key), []).append(org)
        self._orgs = orgs
        self._org_ids = ids

    def resolve_org(self, raw: Any) -> Any:
        self._load_orgs()
        assert self._orgs is not None
        text = V.nfkc(raw)
        found = self._orgs.get(header_key(text), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise V.CellError(f"“{text[:30]}”对应多个工会组织，请填写全称或统一社会信用代码")
        raise V.CellError(f"“{text[:30]}”不是您数据范围内的工会组织")

    def org_name(self, pk: Any) -> str:
        """The name of a union unit (cached per import: the merge page shows many)."""
        names: dict[Any, str] = self.__dict__.setdefault("_org_names", {})
        if pk not in names:
            from jiangqiao.orgs.models import Organization

            found = Organization.objects.filter(pk=pk).values_list("name", flat=True).first()
            names[pk] = str(found or pk)
        return names[pk]

    def default_org(self) -> Any:
        org = getattr(self.user, "org", None)
        if org is None:
            raise RowError("", "您的账号未分配组织，请在表中填写所属工会")
        return org

    def row_call(self, group: Group, func: Callable[..., Any], **kwargs: Any) -> Any:
        """Call a service for a group of rows. Its error names the rows; in the "valid rows" mode
        the group's rows become error rows (its savepoint rolls back) and the import goes on."""
        from django.core.exceptions import ValidationError

        try:
            with transaction.atomic():
                return func(**kwargs)
        except (BusinessError, ValidationError) as exc:
            message = getattr(exc, "message", None) if isinstance(exc, BusinessError) else None
            message = message or "；".join(getattr(exc, "messages", [str(exc)]))
            if self.mode != "valid":
                rows = "、".join(str(m.row) for m in group.members)
                raise BusinessError(f"第{rows}行：{message}") from exc
            for member in group.members:
                self.failed[member.row] = message
            return None

    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model)

    def converted(self, column: Column, raw: Any) -> Any:
        """``convert`` of a cell, remembered per column for the kinds whose values repeat (the
        conversion depends only on the cell and on reference data that does not change during
        the import); a remembered error is raised again, lists are handed out as copies."""
        if column.kind not in MEMO_KINDS or not isinstance(raw, str | int | float):
            return convert(self, column, raw)
        memo = self._memo.setdefault(column.name, {})
        key = (raw.__class__, raw)
        found = memo.get(key)
        if found is None:
            try:
                found = (True, convert(self, column, raw))
            except V.CellError as exc:
                found = (False, exc.message)
            if len(memo) < MEMO_LIMIT:
                memo[key] = found
        ok, value = found
        if not ok:
            raise V.CellError(value)
        return list(value) if isinstance(value, list) else value


# ------------------------------------------------------------------------------------------------
# Reading and checking
# ------------------------------------------------------------------------------------------------


def configured_aliases(spec_key: str) -> dict[str, list[str]]:
    from jiangqiao.core.models import ImportAlias

    aliases: dict[str, list[str]] = {}
    for column, alias in ImportAlias.objects.filter(spec=spec_key, status="active").values_list(
        "column", "alias"
    ):
        aliases.setdefault(column, []).append(alias)
    return aliases


def _find_header(table: Table, mapping: dict[str, Column], spec: ImportSpec) -> int:
    """Index of the header row: the first of the leading rows matching the most labels."""
    best, best_hits = -1, 0
    for index, row in enumerate(table.rows[:10]):
        hits = len({mapping[k].name for k in (header_key(v) for v in row) if k in mapping})
        if hits > best_hits:
            best, best_hits = index, hits
    if best < 0 or best_hits < 1:
        wanted = "、".join(c.label for c in spec.columns if c.required) or spec.columns[0].label
        raise FileRejected(
            f"没有找到表头：前 10 行中没有一行包含{spec.title}模板的列名（如：{wanted}）。"
            "请使用下载的模板，或确认表头在数据的上一行"
        )
    return best


def analyse(
    importer: Importer,
    data: bytes,
    filename: str,
    *,
    decisions: dict[str, dict[str, str]] | None = None,
    policy: str = MergePolicy.FILL_BLANKS,
    progress: ProgressFn = _noop,
    write: str = "",
) -> Analysis:
    """Read and check the whole file; decide every row's outcome.

    Writes nothing, unless ``write`` names the commit mode (``"all"`` or ``"valid"``; inside the
    caller's transaction): then the rows that are new records of their own (see
    ``Importer.key_columns``) are written in batches while the rest are checked — the database
    and Python work side by side — and ``engine.commit`` writes the others."""
    spec = importer.spec
    analysis = Analysis(spec=spec, table=None)
    try:
        progress(0, None, "正在读取文件")
        table = read_table(data, filename)
        analysis.table = table
        mapping = header_map(spec, configured_aliases(spec.key))
        header_index = _find_header(table, mapping, spec)
    except FileRejected as exc:
        analysis.file_errors.append(exc.message)
        return analysis
    analysis.header_row = table.row_number(header_index)
    header = table.rows[header_index]
    seen: dict[str, int] = {}
    for col_no, cell in enumerate(header):
        key = header_key(cell)
        if not key:
            continue
        column = mapping.get(key)
        if column is None:
            analysis.ignored_headers.append(V.nfkc(cell))
            continue
        if column.name in seen:
            analysis.file_errors.append(
                f"表头第{analysis.header_row}行有两列都对应【{column.label}】"
                f"（{cell_ref(analysis.header_row, seen[column.name])} 和 "
                f"{cell_ref(analysis.header_row, col_no)}），请删除或改名其中一列"
            )
            continue
        seen[column.name] = col_no
        analysis.columns[col_no] = column
    missing = [c.label for c in spec.columns if c.required and c.name not in seen]
    if missing:
        analysis.file_errors.append(f"缺少必填列：{'、'.join(missing)}（请对照模板表头）")
    merged = merged_cells_in(table, analysis.header_row)
    if merged:
        analysis.file_errors.append(
            f"表格中有合并单元格（{'、'.join(merged[:5])}{'等' if len(merged) > 5 else ''}），"
            "请取消合并，每行一条数据、每列一个列名后再导入"
        )
    if analysis.file_errors:
        return analysis
    formulas: dict[int, dict[int, str]] = {}
    for ref in table.formula_cells:
        letters = "".join(ch for ch in ref if ch.isalpha())
        number = int("".join(ch for ch in ref if ch.isdigit()))
        formulas.setdefault(number, {})[col_index(letters)] = ref
    body = [
        (table.row_number(i), row)
        for i, row in enumerate(table.rows)
        if i > header_index and any(v is not None and V.nfkc(v) != "" for v in row)
    ]
    analysis.total_rows = len(body)
    if not body:
        analysis.file_errors.append("表头下面没有数据行")
        return analysis
    prepared: list[Member] = []
    total = len(body)
    keyed = _KeyPass(importer, analysis, body, formulas) if importer.key_columns else None
    with ExitStack() as stack:
        stream = (
            _Stream(importer, analysis, stack, rows=total, mode=write) if keyed and write else None
        )
        _check_rows(importer, analysis, body, formulas, keyed, stream, prepared, progress)
        if stream is not None:
            stream.flush()
    progress(total, total, "正在查找重复数据")
    _group(
        importer,
        analysis,
        prepared,
        decisions or {},
        policy,
        found=keyed.found if keyed else None,
    )
    _check_together(importer, analysis)
    for row, message in importer.check_warnings(list(analysis.groups)).items():
        analysis.row_warnings.setdefault(row, []).append(message)
    return analysis


def _check_together(importer: Importer, analysis: Analysis) -> None:
    """The importer's checks across rows (``Importer.check_together``) on the grouped rows."""
    problems = importer.check_together(list(analysis.groups))
    if not problems:
        return
    kept: list[Group] = []
    for group in analysis.groups:
        hit = [problems[m.row] for m in group.members if m.row in problems]
        if not hit:
            kept.append(group)
            continue
        for member in group.members:
            analysis.row_errors.setdefault(member.row, []).append(problems.get(member.row, hit[0]))
            analysis.outcomes[member.row] = RowOutcome.ERROR
    analysis.groups = kept


def _check_rows(
    importer: Importer,
    analysis: Analysis,
    body: list[tuple[int, list[Any]]],
    formulas: dict[int, dict[int, str]],
    keyed: _KeyPass | None,
    stream: _Stream | None,
    prepared: list[Member],
    progress: ProgressFn,
) -> None:
    spec = importer.spec
    total = len(body)
    verb = "检查并写入" if stream is not None else "检查"
    examples = {
        col_no: V.nfkc(col.example)
        for col_no, col in analysis.columns.items()
        if col.example not in ("", None)
    }
    for n, (row_no, row) in enumerate(body, start=1):
        if examples and all(
            V.nfkc(row[c] if c < len(row) else None) == text for c, text in examples.items()
        ):
            analysis.row_errors[row_no] = ["这是模板中的示例行，请删除后再导入"]
            analysis.outcomes[row_no] = RowOutcome.ERROR
            continue
        known = keyed.values.pop(row_no, None) if keyed else None
        values, problems = _convert_row(
            importer, analysis.columns, row, formulas.get(row_no, {}), known
        )
        if not problems:
            importer.current_row = row_no
            try:
                data_row = importer.prepare(values)
            except RowError as exc:
                problems = exc.problems
            except BusinessError as exc:
                problems = [(exc.field or "", exc.message)]
            else:
                member = Member(row=row_no, data=data_row)
                if keyed is not None and keyed.alone(row_no, member):
                    group = _single(importer, member)
                    analysis.groups.append(group)
                    analysis.outcomes[row_no] = RowOutcome.NEW
                    if stream is not None:
                        stream.add(group)
                else:
                    prepared.append(member)
        if problems:
            analysis.row_errors[row_no] = [_format(spec, name, msg) for name, msg in problems]
            analysis.outcomes[row_no] = RowOutcome.ERROR
        else:
            # Only error rows go back in the error workbook: let the others' raw cells go.
            row.clear()
        if n % 1000 == 0:
            progress(n, total, f"正在{verb}第 {n}/{total} 行")


def _format(spec: ImportSpec, name: str, message: str) -> str:
    if not name:
        return message
    return f"【{spec.label(name)}】{message}"


def _convert_row(
    importer: Importer,
    columns: dict[int, Column],
    row: list[Any],
    formulas: dict[int, str],
    known: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The row's converted values and its problems. ``known``: values of key columns already
    converted from the same cells (by the key pass)."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for col_no, column in columns.items():
        raw = row[col_no] if col_no < len(row) else None
        if col_no in formulas:
            problems.append(
                (column.name, f"单元格 {formulas[col_no]} 是公式，请复制后“粘贴为数值”再导入")
            )
            continue
        if known is not None and column.name in known:
            values[column.name] = known[column.name]
            continue
        if V.is_blank(raw):
            if column.required:
                problems.append((column.name, "不能为空"))
            continue
        try:
            values[column.name] = importer.converted(column, raw)
        except V.CellError as exc:
            problems.append((column.name, exc.message))
    return values, problems


#: Column kinds whose values are worth remembering per import: a list's genders, units, codes,
#: levels, issuers and dates repeat from row to row; long texts and identifiers rarely do.
MEMO_KINDS = frozenset({"text", "int", "decimal", "date", "bool", "choice", "code", "codes", "org"})
MEMO_LIMIT = 20_000


def convert(importer: Importer, column: Column, raw: Any) -> Any:
    kind = column.kind
    if kind == "text":
        return V.to_text(raw, max_length=column.max_length)
    if kind == "longtext":
        return V.to_text(raw, max_length=column.max_length, keep_newlines=True)
    if kind == "identifier":
        return V.to_identifier(raw)
    if kind == "int":
        return V.to_int(raw, minimum=column.minimum, maximum=column.maximum)
    if kind == "decimal":
        return V.to_decimal(raw)
    if kind == "date":
        return V.to_date(raw)
    if kind == "bool":
        return V.to_bool(raw)
    if kind == "choice":
        return V.to_choice(raw, column.choices)
    if kind == "code":
        return importer.resolver.resolve(column.scheme, raw, levels=column.levels)
    if kind == "codes":
        return importer.resolver.resolve_many(
            column.scheme, raw, levels=column.levels, limit=column.limit
        )
    if kind == "org":
        return importer.resolve_org(raw)
    if kind == "list":
        parts = V.split_many(V.to_text(raw, keep_newlines=True))
        if len(parts) > column.limit:
            raise V.CellError(f"最多 {column.limit} 项（当前 {len(parts)} 项）")
        if column.max_length:
            for part in parts:
                if len(part) > column.max_length:
                    raise V.CellError(f"“{part[:10]}…”超过 {column.max_length} 个字")
        return parts
    raise V.CellError("无法识别的列")  # pragma: no cover - guarded by Column.__post_init__


# ------------------------------------------------------------------------------------------------
# Keys first: rows that are new records of their own
# ------------------------------------------------------------------------------------------------


@contextmanager
def _no_session() -> Iterator[None]:
    yield


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for the duration of an import.

    An import holds millions of small objects (every cell of the sheet, every row's values);
    each full collection walks all of them again, for nothing: the import creates next to no
    reference cycles. Reference counting still frees everything as usual; the collector runs
    once when the block ends."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _KeyPass:
    """Every row's hard and soft key, from its key columns alone, before the rows are checked.

    The keys are those the grouping uses (``Member.hard``/``soft``), so a row that shares neither
    key with any other row of the file — valid or not — nor with an existing record ends up a
    group of its own, a new record, whatever the other rows turn out to be: it can be decided, and
    written, as soon as the row itself has passed. A row whose key columns do not convert is
    left out here; the same conversion fails again when the row is checked.
    """

    def __init__(
        self,
        importer: Importer,
        analysis: Analysis,
        body: list[tuple[int, list[Any]]],
        formulas: dict[int, dict[int, str]],
    ) -> None:
        self.importer = importer
        key_cols = {
            col_no: column
            for col_no, column in analysis.columns.items()
            if column.name in importer.key_columns
        }
        #: Converted key-column values per row, handed to the row's check (not converted twice).
        self.values: dict[int, dict[str, Any]] = {}
        self.keys: dict[int, tuple[str | None, str | None]] = {}
        hard_count: dict[str, int] = {}
        soft_count: dict[str, int] = {}
        for row_no, row in body:
            values = self._convert(importer, key_cols, row, formulas.get(row_no, {}))
            if values is None:
                continue
            try:
                hard, soft = importer.hard_key(values), importer.soft_key(values)
            except (RowError, BusinessError, V.CellError):
                continue
            self.values[row_no] = values
            self.keys[row_no] = (hard, soft)
            if hard:
                hard_count[hard] = hard_count.get(hard, 0) + 1
            if soft:
                soft_count[soft] = soft_count.get(soft, 0) + 1
        self.found = importer.find_existing(set(hard_count), set(soft_count))
        found_hard, found_soft = self.found
        self.shared_hard = {k for k, n in hard_count.items() if n > 1 or k in found_hard}
        self.shared_soft = {k for k, n in soft_count.items() if n > 1 or k in found_soft}

    @staticmethod
    def _convert(
        importer: Importer, key_cols: dict[int, Column], row: list[Any], formulas: dict[int, str]
    ) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        for col_no, column in key_cols.items():
            raw = row[col_no] if col_no < len(row) else None
            if col_no in formulas:
                return None
            if V.is_blank(raw):
                continue
            try:
                values[column.name] = importer.converted(column, raw)
            except V.CellError:
                return None
        return values

    def alone(self, row_no: int, member: Member) -> bool:
        """Give the member its keys; whether it is a new record of its own."""
        keys = self.keys.get(row_no)
        if keys is None:
            # Cannot happen (the row's key columns converted when it was checked); to be safe
            # the row joins the grouping with keys from its prepared data.
            return False
        member.hard, member.soft = keys
        if member.hard and (member.hard in self.shared_hard or self.importer.missing_hard_key):
            return False
        return not (member.soft and member.soft in self.shared_soft)


def _single(importer: Importer, member: Member) -> Group:
    """The group of a row that is a new record of its own: its data is the record's (what
    ``_merge`` gives for one row and nothing existing, without the comparisons)."""
    key = (
        f"h:{member.hard}"
        if member.hard
        else (f"s:{member.soft}" if member.soft else f"r:{member.row}")
    )
    merged = {
        name: _unique(value or []) if name in importer.union_fields else value
        for name, value in member.data.items()
    }
    return Group(key=key, members=[member], merged=merged)


def _unique(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


class _Stream:
    """New records written in batches while the rest of the file is checked (a commit)."""

    BATCH = 2000

    def __init__(
        self, importer: Importer, analysis: Analysis, stack: ExitStack, *, rows: int, mode: str
    ) -> None:
        from django.db import connection

        if not connection.in_atomic_block:
            raise RuntimeError("writing while checking needs the caller's transaction")
        self.importer = importer
        self.analysis = analysis
        self.mode = mode
        self.pending: list[Group] = []
        stack.enter_context(importer.writing(rows))

    def add(self, group: Group) -> None:
        self.pending.append(group)
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        if not pending or (self.mode != "valid" and self.analysis.row_errors):
            # All or nothing, and a row has failed: the commit is refused and rolls back.
            return
        self.importer.write_new(pending)
        for group in pending:
            # Written: only the row numbers and the key are needed from here on.
            group.merged = {}
            for member in group.members:
                member.data = {}


# ------------------------------------------------------------------------------------------------
# Duplicates and merging
# ------------------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _group(
    importer: Importer,
    analysis: Analysis,
    members: list[Member],
    decisions: dict[str, dict[str, str]],
    policy: str,
    *,
    found: tuple[dict[str, Existing], dict[str, Existing]] | None = None,
) -> None:
    """Group the members by key, match existing records (``found``: already looked up by the
    key pass, whose keys the members carry) and merge every group."""
    by_hard: dict[str, Group] = {}
    by_soft: dict[str, Group] = {}
    groups: list[Group] = []
    for member in members:
        if found is None or (member.hard is None and member.soft is None):
            member.hard = importer.hard_key(member.data)
            member.soft = importer.soft_key(member.data)
        hard, soft = member.hard, member.soft
        group: Group | None = by_hard.get(hard) if hard else None
        if group is None and soft:
            candidate = by_soft.get(soft)
            # A soft match never joins two different hard keys (two ID numbers = two people).
            if candidate is not None and (
                not hard
                or not _group_hard(importer, candidate)
                or _group_hard(importer, candidate) == hard
            ):
                group = candidate
        if group is None:
            group = Group(
                key=f"h:{hard}" if hard else (f"s:{soft}" if soft else f"r:{member.row}"),
                members=[],
            )
            groups.append(group)
        group.members.append(member)
        if hard:
            by_hard.setdefault(hard, group)
        if soft:
            by_soft.setdefault(soft, group)
    if found is None:
        hard_keys = {k for g in groups if (k := _group_hard(importer, g))}
        soft_keys = {m.soft for g in groups for m in g.members if m.soft}
        found = importer.find_existing(hard_keys, soft_keys)
    found_hard, found_soft = found
    for group in groups:
        hard = _group_hard(importer, group)
        existing: Existing | None = found_hard.get(hard) if hard else None
        how = "hard" if existing else ""
        if existing is None:
            for m in group.members:
                match = found_soft.get(m.soft) if m.soft else None
                if match is not None and (not hard or not match.hard_key or match.hard_key == hard):
                    existing, how = match, "soft"
                    break
        group.existing, group.existing_by = existing, how
        if existing is None and hard and importer.missing_hard_key:
            for m in group.members:
                analysis.row_errors[m.row] = [importer.missing_hard_key.format(key=hard)]
                analysis.outcomes[m.row] = RowOutcome.ERROR
            continue
        if existing is not None and not existing.visible:
            if existing.viewable:
                message = (
                    f"与{existing.owner or '其他单位'}已登记的“{existing.label}”是同一条数据，"
                    "不在您的数据范围内，不能修改；请联系上级工会合并"
                )
            else:
                # Another unit's record: that it exists, nothing about it (core/probes.py).
                analysis.foreign.add(record_key(importer.model, existing.pk))
                label = importer.foreign_labels[0 if how == "hard" else 1]
                message = (f"【{label}】" if label else "") + elsewhere(importer.foreign_noun)
            for m in group.members:
                analysis.row_errors[m.row] = [message]
                analysis.outcomes[m.row] = RowOutcome.ERROR
            continue
        _merge(importer, group, decisions.get(group.key, {}), policy)
        if existing is None:
            analysis.outcomes[group.first_row] = RowOutcome.NEW
            rest = group.members[1:]
        elif how == "hard":
            analysis.outcomes[group.first_row] = (
                RowOutcome.UPDATE if group.changes else RowOutcome.UNCHANGED
            )
            rest = group.members[1:]
        else:
            rest = group.members
        for m in rest:
            analysis.outcomes[m.row] = RowOutcome.DUPLICATE
        analysis.groups.append(group)


def _group_hard(importer: Importer, group: Group) -> str | None:
    for m in group.members:
        if m.hard:
            return m.hard
    return None


def _merge(importer: Importer, group: Group, decisions: dict[str, str], policy: str) -> None:
    """Merge the members field by field (decisions first, then the policy)."""
    sources: list[tuple[str, dict[str, Any]]] = []
    if group.existing is not None:
        sources.append(("db", group.existing.values))
    sources.extend((str(m.row), m.data) for m in group.members)
    names: list[str] = []
    for _, data in sources:
        for name in data:
            if name not in names:
                names.append(name)
    merged: dict[str, Any] = {}
    for name in names:
        if name in importer.union_fields:
            union: list[Any] = []
            for _, data in sources:
                for item in data.get(name) or []:
                    if item not in union:
                        union.append(item)
            merged[name] = union
            continue
        candidates: list[tuple[str, Any]] = []
        for source, data in sources:
            if (
                name in data
                and not _blank(data[name])
                and all(data[name] != v for _, v in candidates)
            ):
                candidates.append((source, data[name]))
        if not candidates:
            # Blank everywhere (or only in the file): keep the existing value untouched.
            if group.existing is not None and name in group.existing.values:
                merged[name] = group.existing.values[name]
            else:
                first = next((d[name] for _, d in sources if name in d), None)
                merged[name] = first
            continue
        if len(candidates) > 1 and name in importer.merge_fields:
            group.conflicts[name] = candidates
        chosen = decisions.get(name)
        value = next((v for s, v in candidates if s == chosen), None) if chosen else None
        if value is None:
            if policy == MergePolicy.PREFER_FILE:
                file_values = [v for s, v in candidates if s != "db"]
                value = file_values[-1] if file_values else candidates[0][1]
            else:
                value = candidates[0][1]
        merged[name] = value
    group.merged = merged
    if group.existing is not None:
        group.changes = {
            name: value
            for name, value in merged.items()
            if (name in group.existing.values and group.existing.values[name] != value)
            or (name not in group.existing.values and not _blank(value))
        }


# ------------------------------------------------------------------------------------------------
# Commit
# ------------------------------------------------------------------------------------------------


def commit(
    importer: Importer,
    analysis: Analysis,
    *,
    mode: str,
    progress: ProgressFn = _noop,
) -> dict[str, int]:
    """Write the analysed rows in one transaction; returns the counts.

    ``mode == "all"``: refuse when any row has an error. ``mode == "valid"``: write the rest.
    """
    if analysis.file_errors:
        raise BusinessError("文件无法导入：" + "；".join(analysis.file_errors))
    if mode == "all" and analysis.row_errors:
        raise BusinessError(
            f"有 {len(analysis.row_errors)} 行数据有错误，按“全部正确才导入”的方式一条也没有导入；"
            "请下载错误数据表修改后重新导入，或选择“导入正确的行”"
        )
    creates = [g for g in analysis.groups if g.existing is None]
    updates = [g for g in analysis.groups if g.existing is not None and g.changes]
    # Groups written while the file was checked (``analyse(write=…)``) carry their keys already.
    unwritten = [g for g in creates if g.pk is None]
    importer.mode = mode
    progress(0, len(unwritten) + len(updates), "正在写入数据库")
    with transaction.atomic():
        if unwritten or updates:
            importer.write(unwritten, updates, progress)
        if importer.failed:
            # Rows a service refused while writing (rare: the checks ran before) join the errors.
            for row, message in importer.failed.items():
                analysis.row_errors[row] = [message]
                analysis.outcomes[row] = RowOutcome.ERROR
            failed = set(importer.failed)
            analysis.groups = [
                g for g in analysis.groups if not any(m.row in failed for m in g.members)
            ]
            creates = [g for g in creates if g in analysis.groups]
            updates = [g for g in updates if g in analysis.groups]
        _check_scope(importer, [g.pk for g in creates], "add")
        _check_scope(importer, [g.existing.pk for g in updates if g.existing], "change")
        _record_sources(importer, analysis)
    return analysis.counts


def commit_in_batches(
    importer: Importer,
    analysis: Analysis,
    *,
    rows: int,
    pause: float = 0.0,
    progress: ProgressFn = _noop,
) -> dict[str, int]:
    """The "valid rows" mode written in short transactions of about ``rows`` records each.

    For SQLite, whose single write lock a one-transaction commit held for the whole import (tens
    of seconds), so that other users' writes timed out (issue 12, item 7). Each transaction
    writes its records, scope-checks them and records their sources, exactly as ``commit`` does
    for the whole file, then the lock is free for ``pause`` seconds. A failure keeps the
    transactions already committed: in this mode that is the meaning anyway (the good rows are
    written), and committing the file again finds them by their keys (unchanged). The
    all-or-nothing mode keeps ``commit`` (one transaction).
    """
    import time

    if analysis.file_errors:
        raise BusinessError("文件无法导入：" + "；".join(analysis.file_errors))
    importer.mode = "valid"
    creates = [g for g in analysis.groups if g.existing is None and g.pk is None]
    updates = [g for g in analysis.groups if g.existing is not None and g.changes]
    written = {id(g) for g in creates} | {id(g) for g in updates}
    total = len(creates) + len(updates)
    progress(0, total, "正在写入数据库")
    done = 0
    size = max(1, rows)
    work = [(g, True) for g in creates] + [(g, False) for g in updates]
    for start in range(0, len(work), size):
        part = work[start : start + size]
        part_creates = [g for g, new in part if new]
        part_updates = [g for g, new in part if not new]
        with transaction.atomic():
            failed_before = set(importer.failed)
            importer.write(part_creates, part_updates, _noop)
            failed = set(importer.failed) - failed_before
            if failed:
                # Rows a service refused while writing (rare: the checks ran before).
                for row in failed:
                    analysis.row_errors[row] = [importer.failed[row]]
                    analysis.outcomes[row] = RowOutcome.ERROR
                refused = {id(g) for g, _ in part if any(m.row in failed for m in g.members)}
                analysis.groups = [g for g in analysis.groups if id(g) not in refused]
                part_creates = [g for g in part_creates if id(g) not in refused]
                part_updates = [g for g in part_updates if id(g) not in refused]
            _check_scope(importer, [g.pk for g in part_creates], "add")
            _check_scope(importer, [g.existing.pk for g in part_updates if g.existing], "change")
            _record_sources(importer, analysis, part_creates + part_updates)
        done += len(part)
        progress(done, total, f"正在写入：{done}/{total}")
        if pause:
            time.sleep(pause)
    # Sources of the rows that changed nothing (duplicates of existing records, unchanged ones).
    rest = [g for g in analysis.groups if id(g) not in written]
    for start in range(0, len(rest), size):
        with transaction.atomic():
            _record_sources(importer, analysis, rest[start : start + size])
    return analysis.counts


def _check_scope(importer: Importer, pks: list[Any], action: str) -> None:
    """Every written record must be visible to the importing user for ``action``.

    Visibility depends on the record's unit (and, for 仅本人, on who created it — the importer,
    for every created row), so one record per unit stands for all records of that unit: a
    primary-key lookup gives each record's unit, then one scoped query per unit checks it.
    """
    from jiangqiao.core.scope import ScopeViolation

    if not pks:
        return
    model = importer.model
    manager = model._default_manager
    org_field = f"{getattr(model, 'scope_org_field', 'org')}_id"
    per_unit: dict[Any, Any] = {}
    found = 0
    for chunk in chunks(pks, 5000):
        for pk, unit in manager.filter(pk__in=chunk).values_list("pk", org_field):
            per_unit.setdefault(unit, pk)
            found += 1
    if found != len(set(pks)):
        raise ScopeViolation(model, action)
    sample = list(per_unit.values())
    for chunk in chunks(sample):
        visible = manager.visible_to(importer.user, action).filter(pk__in=chunk).count()  # type: ignore[attr-defined]
        if visible != len(chunk):
            raise ScopeViolation(model, action)


def _record_sources(
    importer: Importer, analysis: Analysis, groups: list[Group] | None = None
) -> None:
    from jiangqiao.core.models import RecordSource

    if importer.batch is None:
        return
    from jiangqiao.core.bulk import insert_rows

    content_type = importer.content_type()
    rows = []
    for group in analysis.groups if groups is None else groups:
        pk = group.pk if group.existing is None else group.existing.pk
        if pk is None:
            continue
        for member in group.members:
            rows.append(
                {
                    "content_type_id": content_type.pk,
                    "object_id": str(pk),
                    "batch_id": importer.batch.pk,
                    "source_label": importer.source_label[:100],
                    "row": member.row,
                    "outcome": analysis.outcomes.get(member.row, RowOutcome.NEW),
                }
            )
    insert_rows(RecordSource, rows)


# ------------------------------------------------------------------------------------------------
# Reports
# ------------------------------------------------------------------------------------------------


def conflict_report(
    importer: Importer, analysis: Analysis, limit: int = MAX_STORED_GROUPS
) -> list[dict[str, Any]]:
    """Duplicate groups whose members disagree, for the field-by-field merge page."""
    out: list[dict[str, Any]] = []
    for group in analysis.groups:
        if not group.conflicts:
            continue
        out.append(
            {
                "key": group.key,
                "rows": [m.row for m in group.members],
                "existing": (
                    {"pk": group.existing.pk, "label": group.existing.label}
                    if group.existing
                    else None
                ),
                "fields": [
                    {
                        "name": name,
                        "label": importer.spec.label(name),
                        "options": [
                            {
                                "source": source,
                                "source_label": "已有数据" if source == "db" else f"第{source}行",
                                "value": importer.display(name, value),
                                "chosen": group.merged.get(name) == value,
                            }
                            for source, value in options
                        ],
                    }
                    for name, options in group.conflicts.items()
                ],
            }
        )
        if len(out) >= limit:
            break
    return out


def error_workbook(analysis: Analysis) -> bytes | None:
    """The original error rows (header included) plus a 错误原因 column, as .xlsx."""
    import xlsxwriter

    if analysis.table is None or not analysis.row_errors:
        return None
    table = analysis.table
    header_index = analysis.header_row - table.first_row
    header = list(table.rows[header_index]) if header_index >= 0 else []
    text_cols = {col_no for col_no, col in analysis.columns.items() if col.kind in ("identifier",)}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("错误数据")
    bold = book.add_format({"bold": True, "bg_color": "#FDE2E1"})
    text = book.add_format({"num_format": "@"})
    red = book.add_format({"font_color": "#C00000", "text_wrap": True})
    width = max(len(header), max((len(r) for r in table.rows), default=0))
    for col_no in range(width):
        value = header[col_no] if col_no < len(header) else ""
        sheet.write_string(0, col_no, V.nfkc(value), bold)
        sheet.set_column(col_no, col_no, 16, text if col_no in text_cols else None)
    sheet.write_string(0, width, "错误原因", bold)
    sheet.write_string(0, width + 1, "原行号", bold)
    sheet.set_column(width, width, 60)
    out_row = 1
    for row_no in sorted(analysis.row_errors):
        row = table.rows[row_no - table.first_row]
        for col_no, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(out_row, col_no, value)
            elif isinstance(value, int | float) and col_no not in text_cols:
                sheet.write_number(out_row, col_no, value)
            else:
                sheet.write_string(out_row, col_no, _safe_text(V.nfkc(value)))
        sheet.write_string(out_row, width, "；".join(analysis.row_errors[row_no]), red)
        sheet.write_number(out_row, width + 1, row_no)
        out_row += 1
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def _safe_text(text: str) -> str:
    from .export import neutralise

    return str(neutralise(text))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chunks(items: Iterable[Any], size: int = LOOKUP_CHUNK) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
