package ocr

/*
#include <malloc.h>

// sohoa_release_c_memory hands the free pages of the C heap back to the
// kernel. glibc's malloc_trim releases whole free pages anywhere in every
// arena, not only at the top of the main heap.
static void sohoa_release_c_memory(void) { malloc_trim(0); }
*/
import "C"

// releaseCMemory returns the C heap's free pages to the kernel. Engines
// call it after each recognition: Tesseract and Leptonica free most of
// what a page needed, but glibc keeps the freed pages resident, scattered
// over its arenas: the C heap of two engines averaged 170-190 MB instead
// of 110-130 MB. Measured cost: 2-4 % of a page's CPU time, most of it
// faulting the pages in again on the next page (BENCHMARKS.md).
func releaseCMemory() { C.sohoa_release_c_memory() }
