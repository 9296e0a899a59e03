"""Form helpers every domain's pages use."""

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


def add_domain_error(form, error) -> None:
    """Put a service's DomainError on the field it names, or on the form as a whole."""
    field = form[error.field] if error.field and error.field in form else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (roles, bulk selections)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
