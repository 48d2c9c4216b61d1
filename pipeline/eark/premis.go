package eark

import (
	"encoding/xml"
	"fmt"
	"strconv"
)

// nsPREMIS is the namespace of PREMIS 3.
const nsPREMIS = "http://www.loc.gov/premis/v3"

type premisRoot struct {
	XMLName xml.Name       `xml:"premis"`
	NS      string         `xml:"xmlns,attr"`
	NSXSI   string         `xml:"xmlns:xsi,attr"`
	Version string         `xml:"version,attr"`
	Objects []premisObject `xml:"object"`
	Events  []premisEvent  `xml:"event"`
	Agents  []premisAgent  `xml:"agent"`
}

type premisObject struct {
	XSIType         string                `xml:"xsi:type,attr"`
	Identifier      premisObjectID        `xml:"objectIdentifier"`
	Characteristics premisCharacteristics `xml:"objectCharacteristics"`
	OriginalName    string                `xml:"originalName,omitempty"`
}

type premisObjectID struct {
	Type  string `xml:"objectIdentifierType"`
	Value string `xml:"objectIdentifierValue"`
}

type premisCharacteristics struct {
	CompositionLevel int          `xml:"compositionLevel"`
	Fixity           premisFixity `xml:"fixity"`
	Size             int64        `xml:"size"`
	Format           premisFormat `xml:"format"`
}

type premisFixity struct {
	Algorithm string `xml:"messageDigestAlgorithm"`
	Digest    string `xml:"messageDigest"`
}

type premisFormat struct {
	Name    string `xml:"formatDesignation>formatName"`
	Version string `xml:"formatDesignation>formatVersion,omitempty"`
}

type premisEvent struct {
	Identifier premisEventID        `xml:"eventIdentifier"`
	Type       string               `xml:"eventType"`
	DateTime   string               `xml:"eventDateTime"`
	Detail     string               `xml:"eventDetailInformation>eventDetail,omitempty"`
	Outcome    string               `xml:"eventOutcomeInformation>eventOutcome"`
	Agents     []premisLinkedAgent  `xml:"linkingAgentIdentifier"`
	Objects    []premisLinkedObject `xml:"linkingObjectIdentifier"`
}

type premisLinkedObject struct {
	Type  string `xml:"linkingObjectIdentifierType"`
	Value string `xml:"linkingObjectIdentifierValue"`
}

type premisEventID struct {
	Type  string `xml:"eventIdentifierType"`
	Value string `xml:"eventIdentifierValue"`
}

type premisLinkedAgent struct {
	Type  string `xml:"linkingAgentIdentifierType"`
	Value string `xml:"linkingAgentIdentifierValue"`
	Role  string `xml:"linkingAgentRole"`
}

type premisAgent struct {
	Identifier premisAgentID `xml:"agentIdentifier"`
	Name       string        `xml:"agentName"`
	Type       string        `xml:"agentType"`
	Version    string        `xml:"agentVersion,omitempty"`
}

type premisAgentID struct {
	Type  string `xml:"agentIdentifierType"`
	Value string `xml:"agentIdentifierValue"`
}

func buildPREMIS(pkg Package, files []written) any {
	p := premisRoot{NS: nsPREMIS, NSXSI: nsXSI, Version: "3.0"}
	for _, f := range files {
		format := f.file.FormatName
		if format == "" {
			format = mimeOf(f.file)
		}
		p.Objects = append(p.Objects, premisObject{
			XSIType:    "file",
			Identifier: premisObjectID{Type: "local", Value: f.href},
			Characteristics: premisCharacteristics{
				Fixity: premisFixity{Algorithm: "SHA-256", Digest: f.sha256},
				Size:   f.size,
				Format: premisFormat{Name: format, Version: f.file.FormatVersion},
			},
			OriginalName: f.file.Name,
		})
	}

	agentIDs := map[string]string{} // kind + name → identifier value
	agent := func(kind, name string) string {
		key := kind + "\x00" + name
		if id, ok := agentIDs[key]; ok {
			return id
		}
		id := "agent-" + strconv.Itoa(len(agentIDs)+1)
		agentIDs[key] = id
		a := premisAgent{Identifier: premisAgentID{Type: "local", Value: id}, Name: name, Type: kind}
		p.Agents = append(p.Agents, a)
		return id
	}
	// The software that made the package comes first.
	sw := agent("software", pkg.Software)
	p.Agents[0].Version = pkg.SoftwareVersion

	addEvent := func(ev Event, linked []written) {
		pe := premisEvent{
			Identifier: premisEventID{Type: "local", Value: fmt.Sprintf("event-%04d", len(p.Events)+1)},
			Type:       ev.Type,
			DateTime:   xmlTime(ev.Time),
			Detail:     ev.Detail,
			Outcome:    ev.Outcome,
		}
		if pe.Outcome == "" {
			pe.Outcome = "success"
		}
		if ev.Actor != "" {
			pe.Agents = append(pe.Agents, premisLinkedAgent{Type: "local", Value: agent("person", ev.Actor), Role: "implementer"})
		}
		if ev.Tool != "" {
			pe.Agents = append(pe.Agents, premisLinkedAgent{Type: "local", Value: agent("software", ev.Tool), Role: "executing program"})
		}
		for _, f := range linked {
			pe.Objects = append(pe.Objects, premisLinkedObject{Type: "local", Value: f.href})
		}
		p.Events = append(p.Events, pe)
	}
	for di, doc := range pkg.Documents {
		var linked []written
		for _, f := range files {
			if f.doc == di {
				linked = append(linked, f)
			}
		}
		for _, ev := range doc.Events {
			addEvent(ev, linked)
		}
	}
	for _, ev := range pkg.Events {
		addEvent(ev, files)
	}
	// The packaging itself, by the software, at the package's time.
	addEvent(Event{Type: "information package creation", Time: pkg.Created, Detail: "E-ARK CSIP package " + pkg.ID}, files)
	last := &p.Events[len(p.Events)-1]
	last.Agents = append(last.Agents, premisLinkedAgent{Type: "local", Value: sw, Role: "executing program"})
	return p
}
