"""The department and platform filters two lists share (the approvers' queue and the
register of approved accounts): a GET form, so no CSRF token (it changes nothing)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice


class DepartmentPlatformFilterForm(FlaskForm):
    class Meta:
        csrf = False

    department = SelectField("Department", coerce=str, widget=GovSelect())
    platform = SelectField("Platform", coerce=str, widget=GovSelect())

    def set_choices(
        self, departments: list[tuple[int, str]], platforms: list[tuple[int, str]]
    ) -> None:
        self.department.choices = [SelectChoice("", "All departments")] + [
            SelectChoice(str(i), name) for i, name in departments
        ]
        self.platform.choices = [SelectChoice("", "All platforms")] + [
            SelectChoice(str(i), name) for i, name in platforms
        ]

    def chosen_id(self, name: str) -> int | None:
        """The id chosen in filter `name`, or None for all (or for a value not offered)."""
        field = self._fields[name]
        offered = {choice.value for choice in field.choices or []}  # type: ignore[union-attr]
        value = field.data or ""
        return int(value) if value and value in offered else None
