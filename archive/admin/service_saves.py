"""Admin add forms whose row is created by a service rather than by the form."""


class CreatedByServiceMixin:
    """The admin keeps using the form's object after `save_model`: it logs it, names it in
    the "was added" message and redirects to it. A service creates the real row, so the
    form's object is loaded from that row; otherwise the admin shows (or fails on) the
    fields the form never filled in."""

    def create_through_service(self, request, form):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        created = self.create_through_service(request, form)
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()
