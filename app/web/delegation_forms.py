"""The form that sets cover for an absent approver: the approver's own (review.cover) and
an admin's for them (admin.person_cover) are this one form.

Field names are the keys of app.operations.delegations' InvalidContent errors, so each
refusal lands on the field it is about.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from app.models.users import User
from app.rules.workflow import InvalidContent
from app.web.date_field import GovUKDateField


class DelegationForm(FlaskForm):
    delegate = SelectField(
        "Who will cover",
        description="An approver who decides in the absent person's name while they are away",
        coerce=str,
        # app.operations.delegations says what is wrong with a choice, in its own words.
        validate_choice=False,
        widget=GovSelect(),
    )
    starts_on = GovUKDateField("Start date", description="For example, 27 3 2027")
    ends_on = GovUKDateField(
        "End date", description="The last day of the cover. For example, 3 4 2027"
    )
    submit = SubmitField("Set cover", widget=GovSubmitInput())

    def set_colleagues(self, colleagues: list[User]) -> None:
        self.delegate.choices = [SelectChoice("", "Choose a colleague")] + [
            SelectChoice(str(user.id), f"{user.display_name} ({user.email})") for user in colleagues
        ]

    @property
    def delegate_id(self) -> int | None:
        value = self.delegate.data or ""
        return int(value) if value.isdecimal() else None

    def show_refusal(self, refusal: InvalidContent) -> None:
        for name, message in refusal.errors.items():
            field = self._fields.get(name, self.delegate)
            field.errors = [*field.errors, message]
