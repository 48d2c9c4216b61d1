// Package bench holds what sohoa's benchmarks share: a generated OCR
// benchmark set with its ground truth (GenerateSet), running tools and
// measuring their CPU, wall time and peak memory (RunAll), and the
// metadata extraction scoring. The word-error metric lives in the
// sub-package wer, which imports nothing of sohoa so that package ocr's
// tests can use it. Commands: cmd/ocrbench (make bench, BENCHMARKS.md).
package bench
