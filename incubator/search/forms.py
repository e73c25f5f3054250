"""The search form: read from the query string (a GET form: nothing changes, so no CSRF token)."""

from flask_babel import lazy_gettext as _l
from wtforms import Form, SearchField, SelectField


class SearchForm(Form):
    q = SearchField(_l("Words to look for"), description=_l(
        'Accents and capitals do not matter. Put "quotes" around words that go together.'))
    kind = SelectField(_l("Kind"), validate_choice=False)
    state = SelectField(_l("Project state"), validate_choice=False)
    call = SelectField(_l("Call for proposals"), validate_choice=False)
    theme = SelectField(_l("Theme"), validate_choice=False)
