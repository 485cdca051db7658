"""Word lists: the spellings customers use for the same word, and a few true synonyms.

Keys are lowercase tokens after apostrophes are dropped ("where's" -> "wheres"). Values are what
the classifier sees instead. Only unambiguous rewrites belong here; the character n-grams and the
typo corrector take care of the long tail.
"""

from __future__ import annotations

_VARIANTS_RAW = """
wheres=where is|whats=what is|whens=when is|hows=how is|whos=who is|thats=that is|theres=there is
its=it is|im=i am|ive=i have|ill=i will|youre=you are|youve=you have|theyre=they are
isnt=is not|arent=are not|wasnt=was not|werent=were not|hasnt=has not|havent=have not
hadnt=had not|dont=do not|doesnt=does not|didnt=did not|cant=can not|cannot=can not
couldnt=could not|wont=will not|wouldnt=would not|shouldnt=should not|aint=is not
pls=please|plz=please|plse=please|pleas=please|pleae=please|pleeease=please|pleeeease=please
u=you|ya=you|yu=you|ur=your|yr=your|r=are|n=and|thx=thanks|thnx=thanks|ty=thank you
tnx=thanks|thanx=thanks|tks=thanks|cuz=because|coz=because|bc=because|b4=before|2day=today
tmrw=tomorrow|tmr=tomorrow|asap=as soon as possible|rn=right now|abt=about|wat=what|wut=what
wher=where|whr=where|hw=how|hv=have|hav=have|gonna=going to|wanna=want to|gotta=got to
dunno=do not know|idk=i do not know|ppl=people|msg=message|info=information|qty=quantity
pkg=package|pkge=package|pakage=package|packge=package|parcle=parcel|ordr=order|oder=order
orderd=ordered|oredr=order|odrer=order|ordre=order|recieve=receive|recieved=received
recived=received|receieved=received|reciept=receipt|adress=address|addres=address
adres=address|addr=address|adddress=address|cancle=cancel|cancell=cancel|cancl=cancel
canel=cancel|cancellation=cancel|cancelation=cancel|cancelling=canceling
refnd=refund|refunf=refund|refudn=refund|refun=refund|rfund=refund|reund=refund
retrun=return|retun=return|reutrn=return|returm=return|exchage=exchange
exhange=exchange|shiping=shipping|shippin=shipping|shpping=shipping|delivary=delivery
delievery=delivery|delivry=delivery|deliverd=delivered|delieverd=delivered|arived=arrived
arrivd=arrived|arrivedd=arrived|trackin=tracking|trackng=tracking|tracknig=tracking
availible=available|avaliable=available|availabe=available|recomend=recommend
wich=which|colour=color|colours=colors|favourite=favorite|jewellery=jewelry
cancelled=canceled|grey=gray|organise=organize|catalogue=catalog|centre=center|realise=realize
apologise=apologize|authorise=authorize|authorised=authorized|licence=license|tshirt=t shirt
tshirts=t shirts|tee=t shirt|tees=t shirts|hoody=hoodie|hoodies=hoodie|sweatshirts=sweatshirt
creditcard=credit card|giftcard=gift card
emial=email|emal=email|phonenumber=phone number|wismo=where is my order
wrng=wrong|wromg=wrong|damagd=damaged|brokn=broken|brocken=broken|borken=broken
smth=something|sth=something|somthing=something|anythng=anything|nothin=nothing
charg=charge|chargd=charged|chagred=charged|twise=twice|twic=twice|doubel=double
reimbursment=reimbursement|reimbursments=reimbursements|remboursement=reimbursement
payement=payment|paiement=payment|paymnet=payment|paymet=payment|pament=payment
delievry=delivery|delivey=delivery|shippment=shipment|shipement=shipment
wen=when|whn=when|yday=yesterday|yest=yesterday|wk=week|wks=weeks|mins=minutes|hrs=hours
"""


def _parse(raw: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in raw.strip().splitlines():
        for pair in line.split("|"):
            key, _, value = pair.partition("=")
            table[key.strip()] = tuple(value.split())
    return table


VARIANTS: dict[str, tuple[str, ...]] = _parse(_VARIANTS_RAW)

# Words the classifier should treat as one concept; each maps to a word the training data uses.
SYNONYMS: dict[str, str] = {
    "parcel": "package",
    "parcels": "package",
    "packages": "package",
    "shipment": "package",
    "consignment": "package",
    "reimburse": "refund",
    "reimbursed": "refunded",
    "reimbursement": "refund",
    "reimbursements": "refunds",
    "reimbursing": "refunding",
    # Words customers use that the training phrasings never had, folded onto ones they have.
    "rebate": "refund",
    "rebates": "refunds",
    "restitution": "refund",
    "reclamation": "complaint",
    "reclamations": "complaint",
    "grievance": "complaint",
    "modality": "method",
    "modalities": "methods",
    "termination": "cancel",
    "terminate": "cancel",
    "terminated": "canceled",
    "annul": "cancel",
    "annulled": "canceled",
    "shipments": "package",
    "repayment": "refund",
    "chargeback": "refund",
    "moneyback": "refund",
    "purchase": "order",
    "purchases": "order",
    "orders": "order",
    "zipcode": "postcode",
    "postal": "postcode",
    "courier": "carrier",
    "rep": "representative",
    "agents": "agent",
    "humans": "human",
    "persons": "person",
    "colour": "color",
}
