package ocr

/*
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

// sohoa_release_c_memory hands the free pages of the C heap back to the
// kernel. glibc's malloc_trim releases whole free pages anywhere in every
// arena, not only at the top of the main heap. Other C libraries have no
// such call; there it does nothing.
static void sohoa_release_c_memory(void) {
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}
*/
import "C"

// releaseCMemory returns the C heap's free pages to the kernel. Engines
// call it after each recognition: Tesseract and Leptonica free most of
// what a page needed, but glibc keeps the freed pages resident, scattered
// over its arenas, so the C heap of two engines stayed at 170-240 MB
// instead of 110-160 MB. Measured cost: 1-3 % of a page's CPU time, most
// of it faulting the pages in again on the next page (BENCHMARKS.md).
func releaseCMemory() { C.sohoa_release_c_memory() }
