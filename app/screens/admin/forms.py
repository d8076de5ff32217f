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
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from app.reads.people import TEXT_MAX, PeopleQuery
from app.rules.roles import ROLE_HINTS, ROLE_LABELS, Role
from app.rules.workflow import QUORUM_LABELS, InvalidContent, Quorum
from app.web.field_checks import OneLine

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
        validators=[InputRequired("Enter the person's full name"), OneLine("Name")],
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


class ChangePipelineForm(FlaskForm):
    """The stages that decide changes to a platform's approved accounts, in the order of
    its pipeline."""

    change_pipeline = SelectMultipleField(
        "Which stages decide changes to its approved accounts?",
        widget=GovCheckboxesInput(),
        description="They decide in this order; each one must approve.",
        validate_choice=False,
    )
    save = SubmitField("Save the change pipeline", widget=GovSubmitInput())

    def __init__(self, stages: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.order = stages
        self.change_pipeline.choices = [SelectChoice(code, name) for code, name in stages]


class PlatformForm(FlaskForm):
    """A new platform: its name and what its handles may hold."""

    name = StringField(
        "Name", description="As the platform calls itself, such as X", widget=GovTextInput()
    )
    handle_max_length = IntegerField(
        "Longest handle (optional)",
        description=(
            "The most characters a handle may have, not counting an @ at the start. "
            "Leave it empty if the platform's handles are not to be checked"
        ),
        validators=[Optional()],
        widget=GovTextInput(),
    )
    handle_punctuation = StringField(
        "Punctuation a handle may hold (optional)",
        description="Besides letters and digits, such as _ and . for underscores and full stops",
        widget=GovTextInput(),
    )
    submit = SubmitField("Add platform", widget=GovSubmitInput())

    def show_refusal(self, refusal: InvalidContent) -> None:
        for name, message in refusal.errors.items():
            field = self._fields.get(name, self.name)
            field.errors = [*field.errors, message]


#: How many stages the pipeline form offers: the current ones and room for more.
PIPELINE_ROWS = 5


class StepForm(Form):
    """One row of the pipeline form: a stage, its quorum, its named set, its target."""

    # Choices are checked by app.operations.set_pipeline: a row left out is no stage.
    stage = SelectField("Stage", coerce=str, validate_choice=False, widget=GovSelect())
    quorum = SelectField(
        "Who must approve",
        choices=[SelectChoice(str(q), QUORUM_LABELS[q]) for q in Quorum],
        validate_choice=False,
        widget=GovSelect(),
    )
    required = IntegerField(
        "Approvals needed",
        description="For a number of named approvers: how many of them",
        validators=[Optional()],
        widget=GovTextInput(),
    )
    approvers = TextAreaField(
        "Named approvers",
        description="For a number of, or all of, named approvers: one email address a line",
        widget=GovTextArea(),
    )
    target_working_days = IntegerField(
        "Target in working days",
        validators=[Optional()],
        widget=GovTextInput(),
    )


class PipelineForm(FlaskForm):
    """A platform's pipeline, stage by stage in signing order; a row left without a stage
    is not part of it. `based_on`: the version the admin saw."""

    based_on = HiddenField()
    steps = FieldList(FormField(StepForm), min_entries=PIPELINE_ROWS, max_entries=PIPELINE_ROWS)
    submit = SubmitField("Save as a new version", widget=GovSubmitInput())

    def set_stages(self, stages: list[tuple[str, str]]) -> None:
        for row in self.steps:
            row.form.stage.choices = [SelectChoice("", "No stage")] + [
                SelectChoice(code, name) for code, name in stages
            ]

    def show_refusal(self, refusal: InvalidContent) -> None:
        for name, message in refusal.errors.items():
            field = _field_named(self, name) or self.steps.entries[0].form.stage
            field.errors = [*field.errors, message]

    def error_summary(self) -> list[dict[str, str]]:
        """govukErrorSummary's list: every row's errors, each linking to its field (the
        rows' own, and those an operation's refusal put there)."""
        found = []
        for row in self.steps:
            for field in row.form:
                found += [{"text": error, "href": f"#{field.id}"} for error in field.errors]
        return found


def _field_named(form: PipelineForm, name: str) -> Any:
    """The field an error key names: `steps-0-required` is row 0's `required`."""
    parts = name.split("-")
    if len(parts) == 3 and parts[0] == "steps" and parts[1].isdecimal():
        index = int(parts[1])
        if index < len(form.steps.entries):
            return form.steps.entries[index].form._fields.get(parts[2])
    return None
