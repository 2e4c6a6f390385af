package whatsapp

// HasMediaHeader reports whether the template's header is an image, a video or a document.
func (t Template) HasMediaHeader() bool { return isMediaFormat(t.HeaderFormat()) }
