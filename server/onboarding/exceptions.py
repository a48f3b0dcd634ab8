from server.errors import InvalidInput


class InvalidField(InvalidInput):
    """One field of an onboarding form does not hold an acceptable value.

    `code` is stable (clients switch on it, e.g. `invalid_iban`); `message` is
    Italian and meant for the person filling in the form. Being an
    `InvalidInput`, it leaves the API as a 422 problem like every other one.
    """

    def __init__(self, field: str, code: str, message: str):
        super().__init__(message, code=code, field=field)

    def __repr__(self) -> str:
        return f"InvalidField({self.field!r}, {self.code!r}, {self.message!r})"
