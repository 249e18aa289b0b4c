// Package seal is the courts' electronic seal (电子印章): a platform root
// CA, one seal certificate per court, PAdES signatures on PDFs and their
// verification.
//
// # Keys and certificates
//
// New opens the seal directory (the app passes <data dir>/seals): mode
// 0700, every file 0600, and New refuses looser permissions. On first
// start it creates the root ("root.pem": PKCS #8 key and self-signed CA
// certificate, path length 0) and records it in seal_certificate. A court's
// seal ("court-<serial>.pem") is created on first use: subject CN and O
// the court's name, serialNumber its court code (法院代字), key usage
// digital signature and non-repudiation, extended key usage document
// signing (RFC 9336) and e-mail protection (NSS checks signers for S/MIME
// use). Keys are ECDSA P-256 by default (RSA-2048 on request); poppler's
// pdfsig validates both. Rotate retires a court's seal and creates a new
// one; Sign renews a seal automatically 30 days before it expires. A
// retired seal still verifies the documents it sealed before its
// retirement. The key files are the only copy of the keys: back the
// directory up with the database, and give every app server the same
// directory (a shared volume) when several run.
//
// # Signatures
//
// Sign adds an approval signature as an incremental update (the input's
// bytes are kept unchanged at the start of the output): SubFilter
// ETSI.CAdES.detached, a CMS SignedData whose signed attributes are
// content-type, message-digest and signing-certificate-v2 (PAdES baseline
// B-B, ETSI EN 319 142-1; no signing-time attribute, the claimed time is
// the dictionary's /M taken from the injected clock), signer name the
// court's name, reason 电子印章, the root certificate included. With a
// Placement, the signature field lies over the seal image the renderer
// printed, with a transparent appearance. The incremental update is
// written by github.com/digitorus/pdfsign/sign; the CMS is built here (see
// signPDF for why).
//
// # Verification
//
// Verify needs no PDF parser: it finds the signature dictionaries in the
// raw bytes (/ByteRange whose gap is exactly one hex string), takes the
// one covering the whole file, and checks that the CMS digest matches
// those bytes, that the signature verifies with the signer's certificate,
// that the zero padding after the CMS is untouched, and that the
// certificate chains to this platform's root at the signing time. Once the
// signature holds, every byte outside the gap is the court's, so the
// /SubFilter and /M read from them are authentic. It is stricter than
// pdfsig, which accepts a signature followed by unsigned additions ("Not
// total document signed"). Garbage never causes an error or a panic (a
// fuzz test checks it).
//
// # Events and audit
//
//	root created             (no event)                        seal.root.create
//	court's first seal       ecourt.seal.certificate.created   seal.certificate.create
//	Rotate / renewal         ecourt.seal.certificate.rotated   seal.certificate.rotate
package seal
