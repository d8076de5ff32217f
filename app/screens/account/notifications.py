"""The signed-in person chooses how they hear from Permit: each email, or a daily digest."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models.users import NotificationFrequency
from app.operations.choose_notification_frequency import choose_notification_frequency
from app.screens.account import blueprint
from app.screens.account.forms import NotificationFrequencyForm
from app.web.client import client_from_request

SAVED = {
    NotificationFrequency.IMMEDIATE: "You will get an email for each update.",
    NotificationFrequency.DAILY: "You will get one email a day with every update since the last.",
}


@blueprint.route("/notifications", methods=["GET", "POST"])
def notifications() -> ResponseReturnValue:
    form = NotificationFrequencyForm(frequency=current_user.notification_frequency)
    if form.validate_on_submit():
        frequency = NotificationFrequency(form.frequency.data)
        choose_notification_frequency(current_user, frequency, client=client_from_request())
        db.session.commit()
        flash(SAVED[frequency], "success")
        return redirect(url_for("account.index"))
    return render_template("account/notifications.html", form=form)
