"""Messages whose meaning the intent classifier is not built to catch, read before it is
trusted: another language, a legal threat, a customer who cannot use their email, a
request to change an order's contact details.

Each is a plain, high-precision check over the customer's words; what to do about it is
decided in routing.py.
"""

from __future__ import annotations

import re

# Languages we can say "a person will help" in; anything else non-English is handed over
# with the English text (better than a misread answer).
HANDOVER_TEXT = {
    "es": "Gracias por tu mensaje. Por ahora solo puedo responder en inglés, así que he "
    "pasado la conversación a nuestro equipo: una persona te responderá aquí pronto.",
    "fr": "Merci pour votre message. Pour l'instant je ne réponds qu'en anglais, j'ai donc "
    "transmis la conversation à notre équipe : une personne vous répondra ici bientôt.",
    "de": "Danke für Ihre Nachricht. Ich kann im Moment nur auf Englisch antworten, daher "
    "habe ich das Gespräch an unser Team weitergegeben: Eine Person antwortet Ihnen hier bald.",
    "pt": "Obrigado pela sua mensagem. Por enquanto só respondo em inglês, por isso passei a "
    "conversa para a nossa equipa: uma pessoa vai responder-lhe aqui em breve.",
    "it": "Grazie per il messaggio. Per ora rispondo solo in inglese, quindi ho passato la "
    "conversazione al nostro team: una persona ti risponderà qui a breve.",
    "nl": "Bedankt voor uw bericht. Ik kan op dit moment alleen in het Engels antwoorden, "
    "dus ik heb het gesprek doorgegeven aan ons team: iemand antwoordt u hier snel.",
}
# Words frequent in one language and rare in English messages to a shop. A message is
# read as that language only with two of them (or one and that language's letters), and
# no more English function words than those: "no" or "de" alone is not Spanish.
_MARKERS = {
    "es": "el los las que mi por para pedido dónde donde quiero hola gracias está estoy "
    "cuándo cuando devolver reembolso cancelar dirección necesito tengo una muy buenas ayuda",
    "fr": "le les et est mon ma mes je vous pas une commande où bonjour merci voudrais "
    "annuler remboursement livraison adresse colis reçu avec pour suis",
    "de": "der die das und ist mein meine ich nicht eine bestellung wo bitte hallo danke "
    "möchte stornieren rückerstattung lieferung adresse paket noch habe wann",
    "pt": "os meu minha não um uma pedido onde obrigado olá você quero cancelar reembolso "
    "entrega endereço encomenda",
    "it": "il gli mio mia non ordine dove grazie ciao voglio annullare rimborso consegna "
    "indirizzo pacco sono",
    "nl": "het een mijn ik niet van bestelling waar alstublieft hallo bedankt wil annuleren "
    "terugbetaling levering adres pakket",
}
_MARKER_SETS = {lang: frozenset(words.split()) for lang, words in _MARKERS.items()}
_LETTERS = {"es": "ñ¿¡áéíóú", "fr": "çàèêâîôûœé", "de": "äöüß", "pt": "ãõçáâêô", "it": "àèìòù"}
_ENGLISH = frozenset(
    re.findall(
        r"\w+",
        "the and is my i you to it of for in have where what order please can want "
        "hi hello thanks this that was with on",
    )
)
_NON_LATIN = frozenset({"ru", "el", "he", "ar", "hi", "th", "ja", "ko", "zh"})


def foreign_language(text: str, guessed: str) -> str:
    """The language of a message plainly not in English ("" when English or unsure)."""
    if guessed in _NON_LATIN:
        return guessed
    lowered = text.casefold()
    tokens = re.findall(r"[^\W\d_]+", lowered)
    english = sum(t in _ENGLISH for t in tokens)
    best, score = "", 0
    for lang, markers in _MARKER_SETS.items():
        hits = sum(t in markers for t in tokens)
        hits += 1 if any(c in lowered for c in _LETTERS.get(lang, "")) else 0
        if hits > score:
            best, score = lang, hits
    return best if score >= 2 and score > english else ""


_LEGAL = re.compile(
    r"(?i)\b(?:lawyers?|attorneys?|solicitors?|legal action|lawsuit|small claims|"
    r"(?:i'?ll|will|going to|gonna) sue|suing you|(?:see you|take you|taking you) (?:in|to) court|"
    r"BBB|better business bureau|trading standards|consumer protection|"
    r"report (?:you|this|your (?:company|store|shop))|ftc|chargeback)\b"
)
_LOST_EMAIL = re.compile(
    r"(?i)\b(?:(?:lost|no|don'?t have|do not have|can'?t|cannot|can not|unable to)\s+"
    r"(?:access|get into|log ?in(?:to)?|open|use|reach|remember|check)\s+(?:to\s+)?"
    r"(?:(?:my|the|that|this|old)\s+)*e-?mail|(?:forgot|forgotten|don'?t remember)\s+"
    r"(?:my|the|which)\s+e-?mail|e-?mail\s+(?:was\s+)?(?:hacked|closed|deleted|gone))"
)
_CONTACT_CHANGE = re.compile(
    r"(?i)\b(?:change|update|correct|fix|edit)\w*\s+(?:(?:the|my|our)\s+)?"
    r"(?:e-?mail(?:\s+address)?|phone(?:\s+number)?|name|contact(?:\s+details)?)\b"
)


def legal_threat(text: str) -> bool:
    return _LEGAL.search(text) is not None


def lost_email(text: str) -> bool:
    return _LOST_EMAIL.search(text) is not None


def contact_change(text: str) -> bool:
    return _CONTACT_CHANGE.search(text) is not None
