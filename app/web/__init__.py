"""How Permit answers HTTP, for the screens and the JSON API alike: the client's address
and correlation id (`client`), guards, sign-in and the session cookie (`login`), rate
limits (`throttle`), navigation, templating, error pages and problem documents
(`errors`, `problems`), security headers (`headers`), request checks, the JSON request
log (`logs`), form decoding, QR codes, the forms two screens share, and the OpenAPI
document as the screens read it (`openapi`).
"""
