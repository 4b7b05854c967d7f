extension Character {
    /// `isNumber` also accepts "٣" and "½"; sizes and ids are ASCII.
    public var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
