"""What tests read from HTTP responses."""


def allow_origin(response) -> list:
    """Every Access-Control-Allow-Origin value the response carries (browsers refuse two)."""
    return [value for name, value in response.raw.headers.items() if name.lower() == "access-control-allow-origin"]
