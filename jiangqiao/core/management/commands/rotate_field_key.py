"""Re-encrypt every encrypted field under the primary key after a field-key change."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiangqiao.core import crypto, keyrotation


class Command(BaseCommand):
    help = (
        "字段加密密钥轮换：把所有加密字段、数据库中的加密文件（导入文件、错误数据表、个人信息副本）"
        "、已保存的导出文件和私有文件（需求附件、服务佐证材料；仍为明文的顺带加密）用主密钥 JIANGQIAO_FIELD_ENCRYPTION_KEY 重新加密，"
        "旧密钥放在 JIANGQIAO_FIELD_ENCRYPTION_OLD_KEYS。分批提交，可中断后重跑；"
        "有无法解密的值时列出并以非零退出。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", type=int, default=keyrotation.DEFAULT_BATCH, help="每个事务处理的行数"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch：请填写不小于 1 的行数")
        # Refuse before touching a row if the keys are inconsistent (e.g. no pinned index key).
        crypto.blind_index("probe", purpose="rotation")
        report = keyrotation.rotate(batch=options["batch"], progress=self.stdout.write)
        fields, files = report.fields, report.files
        self.stdout.write(
            f"共检查 {report.rows} 行、{fields.values} 个加密值：重新加密 {fields.rewritten} 个，"
            f"已是主密钥 {fields.already_primary} 个，期间被他人修改（已是主密钥）"
            f"{fields.changed_meanwhile} 个"
        )
        self.stdout.write(
            f"加密文件 {files.values} 个：重新加密 {files.rewritten} 个，"
            f"已是主密钥 {files.already_primary} 个，期间被他人修改或清理 {files.changed_meanwhile} 个"
        )
        private = report.private
        self.stdout.write(
            f"私有文件 {private.values} 个：重新加密 {private.rewritten} 个"
            f"（其中原为明文 {report.private_clear} 个），已是主密钥 {private.already_primary} 个，"
            f"期间被删除 {private.changed_meanwhile} 个"
        )
        self.stdout.write(f"无法解密 {report.unreadable_count} 个")
        if report.unreadable_count:
            for label, pk, name in report.unreadable:
                where = f"{label} id={pk} 字段 {name}" if name else f"{label} {pk}"
                self.stderr.write(f"无法用任何已配置的密钥解密：{where}")
            if report.unreadable_count > len(report.unreadable):
                rest = report.unreadable_count - len(report.unreadable)
                self.stderr.write(f"……另有 {rest} 个")
            raise CommandError(
                f"{report.unreadable_count} 个加密值无法用当前主密钥或旧密钥解密，"
                "请检查 JIANGQIAO_FIELD_ENCRYPTION_OLD_KEYS 是否缺少密钥"
            )
