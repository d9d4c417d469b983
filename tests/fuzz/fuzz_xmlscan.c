/* fuzz_xmlscan.c: libFuzzer harness for the scanner of the tool's own XML (xmlscan.c) by
 * itself. The input is any bytes; when the scanner takes them, libxml2 must find them
 * well-formed and give the same events, line for line (tests/xmlevents.h). It reads no
 * rulebook, so it runs many times faster than fuzz_rbxml and goes deeper into the scanner.
 * Any crash, sanitizer report or difference is a bug.
 *
 * Built with clang -fsanitize=fuzzer by `make fuzz` (with tests/fuzz/xml.dict); with
 * -DFUZZ_REPLAY a plain program that runs the given files once (make test replays
 * tests/fuzz/regressions/xmlscan and rbxml, and the compiled corpora). */
#include "model.h"
#include "internal.h"
#include "../xmlevents.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int taken;
    if (!xev_same((const char *)data, size, &taken))
        abort();
    return 0;
}

#ifdef FUZZ_REPLAY
#include "replay.h"
#endif
