"""Concept features: groups of words that mean the same thing to a support lead.

A customer who writes "reimbursement", "compensation" or "money back" is asking about money
returning to them even if training never used that exact word. Each token found here adds a
"k:<concept>" feature beside its own word feature, so evidence learnt for one member of a
group carries over to the others.
"""

from __future__ import annotations

_GROUPS = {
    "money_back": "refund refunds refunded refunding reimburse reimbursed compensation compensate "
    "moneyback credit paid_back cashback",
    "money": "money cash funds payment paid charge charged charges bank card statement account "
    "transaction",
    "send_back": "return returns returned returning exchange exchanges exchanged swap replace "
    "replacement label",
    "where": "where wheres whereabouts eta status update updates news yet still tracking track "
    "tracked whens",
    "arrive": "arrive arrived arriving arrival deliver delivered delivery came come received "
    "receive shipped dispatched sent",
    "late": "late delayed delay waiting wait weeks days long forever ages overdue",
    "cancel": "cancel canceled cancelling canceling abort void stop withdraw unsubscribe",
    "address": "address street st road avenue apartment apt flat unit suite postcode city "
    "town house moved move location destination",
    "modify": "change changes changed modify edit amend update switch add remove instead adjust",
    "variant": "size sizes colour color colors small medium large xl quantity variant style "
    "model version flavour scent",
    "damage": "broken broke damaged damage cracked crushed smashed shattered torn ripped "
    "defective faulty stained dirty leaking leaked dented scratched chipped bent",
    "wrong": "wrong incorrect mistake missing incomplete different instead",
    "unhappy": "disappointed unhappy terrible awful horrible worst unacceptable ridiculous "
    "disgusted angry upset frustrated annoyed furious shocking appalling rubbish poor bad "
    "complaint complain useless",
    "person": "human person agent representative manager supervisor someone somebody staff "
    "operator real live call phone callback",
    "bot": "bot bots robot robots chatbot automated machine ai",
    "product": "material fabric cotton wool leather size fit fits sizing stock restock "
    "available availability colours ingredients dimensions waterproof washable compatible",
    "policy": "policy policies shipping ship countries international free cost costs fee fees "
    "warranty guarantee accept duties customs",
    "pay_problem": "declined decline failed failing twice double duplicate overcharged billed "
    "invoice receipt discount coupon promo code voucher",
    # What makes a question general (about the rules) rather than a request.
    "general": "cases case conditions condition circumstances situations situation eligible "
    "eligibility entitled qualify qualifies generally general usually normally typically rules "
    "rule allowed",
    "options": "options option methods method modes mode ways types forms means kinds",
    "penalty": "penalty penalties deduction deducted",
    "claim": "claim claims dispute lodge grievance",
    "buy": "buy buying bought cart checkout guest",
    "thanks": "thanks thank cheers appreciate appreciated",
    "hello": "hi hello hey hiya morning afternoon evening greetings howdy",
    "job": "job jobs hiring career careers apply cv resume internship vacancy",
    "business": "wholesale reseller partnership collaborate collab influencer sponsor "
    "ambassador press bulk supplier",
}
CONCEPTS: dict[str, str] = {
    word: concept for concept, words in _GROUPS.items() for word in words.split()
}
# Concepts that say nothing about shopping; a message made only of these (or of no concept at
# all) gets an "off-domain" feature, the best general signal for `other` and small talk.
_SMALL_TALK = frozenset({"thanks", "hello", "job", "business"})
DOMAIN_WORDS: frozenset[str] = frozenset(
    word for word, concept in CONCEPTS.items() if concept not in _SMALL_TALK
) | frozenset({"order", "ordered", "item", "items", "product", "products", "shop", "store"})
