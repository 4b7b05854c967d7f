/* SwiftPM links every executable with the Swift driver, which always adds swiftrt.o, whose
 * image constructor calls into the Swift runtime. The shim has no Swift code: these two no-op
 * definitions satisfy swiftrt.o so the shim links as a small static C program instead of
 * carrying the whole Swift runtime (which tripled each supervisor's RSS). */
void swift_addNewDSOImage(const void *header);
int _swift_backtrace_isThunkFunction(const char *name);

void swift_addNewDSOImage(const void *header)
{
    (void)header;
}

int _swift_backtrace_isThunkFunction(const char *name)
{
    (void)name;
    return 0;
}
