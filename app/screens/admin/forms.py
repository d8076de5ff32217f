"""The admin's forms: the people list's filter panel, and a person's details (to invite
them, or to change them).

Field names are the keys of the operations' InvalidContent errors, so each refusal lands
on the field it is about. Choices are checked by the operations, not by WTForms, so a
value that is not offered reads as the operation's own message.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from app.reads.people import TEXT_MAX, PeopleQuery
from app.rules.roles import ROLE_HINTS, ROLE_LABELS, Role
from app.rules.workflow import InvalidContent

ACCOUNT_STATES = {"active": True, "deactivated": False}


class PeopleFilterForm(FlaskForm):
    """The people list's filter panel: a GET form, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    text = StringField("Name or email address", widget=GovTextInput())
    role = SelectField(
        "Role",
        choices=[SelectChoice("", "Any role")]
        + [SelectChoice(str(role), ROLE_LABELS[role]) for role in Role],
        widget=GovSelect(),
    )
    department = SelectField("Department", coerce=str, widget=GovSelect())
    account = SelectField(
        "Account",
        choices=[
            SelectChoice("", "Active and deactivated"),
            SelectChoice("active", "Active"),
            SelectChoice("deactivated", "Deactivated"),
        ],
        widget=GovSelect(),
    )

    def set_departments(self, departments: list[tuple[int, str]]) -> None:
        self.department.choices = [SelectChoice("", "All departments")] + [
            SelectChoice(str(i), name) for i, name in departments
        ]

    def query(self) -> PeopleQuery:
        """What the panel asks for; a value not offered counts as no filter."""
        offered = {choice.value for choice in self.department.choices or []}  # type: ignore[union-attr]
        department = self.department.data or ""
        try:
            role = Role(self.role.data) if self.role.data else None
        except ValueError:
            role = None
        return PeopleQuery(
            text=(self.text.data or "")[:TEXT_MAX],
            role=role,
            department_id=int(department) if department and department in offered else None,
            active=ACCOUNT_STATES.get(self.account.data or ""),
        )


class PersonForm(FlaskForm):
    """A person's details, as an admin may change them."""

    display_name = StringField(
        "Full name",
        validators=[InputRequired("Enter the person's full name")],
        widget=GovTextInput(),
    )
    roles = SelectMultipleField(
        "Roles",
        description="Select all that apply",
        choices=[SelectChoice(str(role), ROLE_LABELS[role]) for role in Role],
        validate_choice=False,
        widget=GovCheckboxesInput(),
    )
    department = SelectField(
        "Department",
        description="Officers need one: it is whose requests they file",
        coerce=str,
        validate_choice=False,
        widget=GovSelect(),
    )
    stages = SelectMultipleField(
        "Stages they sign",
        description="For approvers: the stages whose decisions they may make",
        validate_choice=False,
        widget=GovCheckboxesInput(),
    )
    leads = SelectMultipleField(
        "Stages they lead",
        description="A stage's leads are told when a decision there is overdue",
        validate_choice=False,
        widget=GovCheckboxesInput(),
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def set_choices(
        self, departments: list[tuple[int, str]], stages: list[tuple[str, str]]
    ) -> None:
        self.department.choices = [SelectChoice("", "No department")] + [
            SelectChoice(str(i), name) for i, name in departments
        ]
        self.stages.choices = [SelectChoice(code, name) for code, name in stages]
        self.leads.choices = [SelectChoice(code, name) for code, name in stages]

    @staticmethod
    def role_items() -> list[dict[str, Any]]:
        """govukCheckboxes items to merge into the roles' own: each role's hint."""
        return [{"hint": {"text": ROLE_HINTS[role]}} for role in Role]

    def chosen_roles(self) -> set[Role]:
        """The roles ticked; InvalidContent for a value that is no role."""
        try:
            return {Role(value) for value in self.roles.data or []}
        except ValueError:
            raise InvalidContent({"roles": "Select roles from the list"}) from None

    def chosen_department_id(self) -> int | None:
        value = self.department.data or ""
        return int(value) if value.isdigit() else None

    def show_refusal(self, refusal: InvalidContent) -> None:
        """Put each of the operation's messages on the field it is about."""
        for name, message in refusal.errors.items():
            field = self._fields.get(name, self.display_name)
            field.errors = [*field.errors, message]


class InvitePersonForm(PersonForm):
    email = StringField(
        "Email address",
        description="Their work email address: they sign in with it",
        validators=[InputRequired("Enter the person's email address")],
        widget=GovTextInput(),
    )
    submit = SubmitField("Invite", widget=GovSubmitInput())


class DepartmentForm(FlaskForm):
    """A new department."""

    code = StringField(
        "Code",
        description="Capital letters and digits, such as DSIT. It cannot be changed later",
        widget=GovTextInput(),
    )
    name = StringField(
        "Name", description="Its full name, such as Home Office", widget=GovTextInput()
    )
    submit = SubmitField("Add department", widget=GovSubmitInput())

    def show_refusal(self, refusal: InvalidContent) -> None:
        for name, message in refusal.errors.items():
            field = self._fields.get(name, self.name)
            field.errors = [*field.errors, message]


class RenameForm(FlaskForm):
    """A department's or a platform's new name."""

    name = StringField("Name", widget=GovTextInput())
    submit = SubmitField("Rename", widget=GovSubmitInput())

    def show_refusal(self, refusal: InvalidContent) -> None:
        self.name.errors = [*self.name.errors, *refusal.errors.values()]
