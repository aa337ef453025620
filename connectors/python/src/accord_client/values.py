"""Text forms of accord.v1 values (no dependencies beyond protobuf)."""


def value_text(value):
    """A short text form of an accord.v1.Value, as accordctl open prints it."""
    kind = value.WhichOneof("kind")
    if kind is None:
        return ""
    if kind == "datetime":
        return value.datetime.ToJsonString()
    if kind == "geo":
        return "%s,%s" % (repr(value.geo.lat), repr(value.geo.lon))
    if kind == "boolean":
        return "true" if value.boolean else "false"
    if kind == "sealed":
        return "<sealed for %s>" % value.sealed.recipient
    return str(getattr(value, kind))
