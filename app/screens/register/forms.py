"""The register's filter panel: department, platform and status."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from app.rules.accounts import ACCOUNT_STATUS_LABELS, AccountStatus
from app.web.filter_forms import DepartmentPlatformFilterForm


class RegisterFilterForm(DepartmentPlatformFilterForm):
    status = SelectField(
        "Status",
        coerce=str,
        widget=GovSelect(),
        choices=[SelectChoice("", "Any status")]
        + [SelectChoice(str(s), ACCOUNT_STATUS_LABELS[s]) for s in AccountStatus],
    )

    def chosen_status(self) -> AccountStatus | None:
        try:
            return AccountStatus(self.status.data or "")
        except ValueError:
            return None
