package pdfsyntax

import "bytes"

// StreamEnd finds where the data of a stream starting at start ends in
// data (the whole file). length is the stream's /Length, or -1 when it is
// not a direct number; it is trusted only when "endstream" follows it.
// Otherwise the data ends before the first "endstream" and the end of line
// ahead of it. ok is false when there is no "endstream" at all.
func StreamEnd(data []byte, start int, length int64) (end int, ok bool) {
	if start < 0 || start > len(data) {
		return 0, false
	}
	if length >= 0 && length <= int64(len(data)-start) {
		end = start + int(length)
		after := bytes.TrimLeft(data[end:min(end+16, len(data))], "\r\n \t")
		if bytes.HasPrefix(after, []byte("endstream")) {
			return end, true
		}
	}
	i := bytes.Index(data[start:], []byte("endstream"))
	if i < 0 {
		return 0, false
	}
	end = start + i
	for end > start && (data[end-1] == '\n' || data[end-1] == '\r') {
		end--
	}
	return end, true
}
