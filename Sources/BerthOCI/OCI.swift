/// Namespace for the OCI runtime-spec types. They live in one module with the rest of the engine, and
/// bare names such as `Process` or `Mount` would shadow Foundation's and collide with other folders' types.
public enum OCI {}
