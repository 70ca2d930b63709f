"""The demo live event (a virtual Ukraine ceasefire summit) and `demo_load`, which builds it
through the services so the demo shows exactly what a newsroom would produce."""

import io
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import user_create
from liveblog import demo_pictures, services
from liveblog.models import Event, Post, Speaker


@dataclass(frozen=True)
class Journalist:
    username: str
    display_name: str
    job_title: str


@dataclass(frozen=True)
class SpeakerData:
    slug: str
    name: str
    role: str
    organisation: str
    bio: str


@dataclass(frozen=True)
class Said:
    """Words a speaker said, quoted in a post; `speaker` is the speaker's slug."""

    speaker: str
    text: str
    context: str = ""


@dataclass(frozen=True)
class PostData:
    """A post published `minutes_ago`; the first author creates and publishes it."""

    minutes_ago: int
    kind: str
    headline: str
    body: str
    authors: tuple[str, ...]
    quotes: tuple[Said, ...] = ()
    pinned: bool = False
    key_event: bool = False


# The journalists are fictional. They cannot log in: their passwords are unusable.
LIVE_REPORTER = "demo.maren.holt"
DIPLOMATIC = "demo.tobias.wrenfield"
UKRAINE = "demo.clara.vennick"

JOURNALISTS = [
    Journalist(LIVE_REPORTER, "Maren Holt", "Live reporter"),
    Journalist(DIPLOMATIC, "Tobias Wrenfield", "Diplomatic correspondent"),
    Journalist(UKRAINE, "Clara Vennick", "Ukraine correspondent"),
]

SPEAKERS = [
    SpeakerData(
        "keir-starmer", "Keir Starmer", "Prime Minister", "United Kingdom",
        "Labour leader who became the UK's prime minister after the general election of July 2024.",
    ),
    SpeakerData(
        "volodymyr-zelensky", "Volodymyr Zelensky", "President", "Ukraine",
        "Former actor elected Ukraine's president in 2019, who has led the country through "
        "Russia's full-scale invasion.",
    ),
    SpeakerData(
        "vladimir-putin", "Vladimir Putin", "President", "Russia",
        "Russia's dominant political figure since 1999, who ordered the full-scale invasion of "
        "Ukraine in February 2022.",
    ),
    SpeakerData(
        "donald-trump", "Donald Trump", "President", "United States",
        "Began a second term in the White House in January 2025 promising to bring the war in "
        "Ukraine to a quick end.",
    ),
    SpeakerData(
        "christine-lagarde", "Christine Lagarde", "President", "European Central Bank",
        "Former French finance minister and IMF head who has run the European Central Bank "
        "since 2019.",
    ),
    SpeakerData(
        "alexander-stubb", "Alexander Stubb", "President", "Finland",
        "Former Finnish prime minister who became president in 2024, a year after his country "
        "joined Nato.",
    ),
    SpeakerData(
        "emmanuel-macron", "Emmanuel Macron", "President", "France",
        "President of France since 2017 and one of the loudest voices for Europe taking charge of "
        "its own defence.",
    ),
    SpeakerData(
        "david-lammy", "David Lammy", "Foreign Secretary", "United Kingdom",
        "Labour MP for Tottenham who has been in charge of the Foreign Office since July 2024.",
    ),
]

EVENT_TITLE = (
    "Ukraine ceasefire: Starmer gathers 'coalition of the willing' leaders for a virtual summit"
)
EVENT_STANDFIRST = (
    "About 25 leaders join a video call chaired from Downing Street, as Europe tries to keep up "
    "the pressure on Moscow and to win lasting US support for Ukraine's security."
)
EVENT_STARTED_MINUTES_AGO = 300

# In the order they were published, oldest first.
POSTS = [
    PostData(
        295, Post.Kind.UPDATE,
        "Leaders log on for Starmer's 'coalition of the willing' call",
        "<p>Welcome to our live coverage. Sir Keir Starmer is about to chair a video conference of "
        "the countries that say they are ready to help secure a peace deal in Ukraine, a group now "
        "known as the \"coalition of the willing\".</p>"
        "<p>Downing Street expects roughly 25 leaders to take part, among them:</p>"
        "<ul><li>European partners</li><li>Ukraine and Canada</li>"
        "<li>Australia and New Zealand</li>"
        "<li>senior figures from the EU commission and Nato</li></ul>"
        "<p>The prime minister plans to take questions from reporters once the meeting ends.</p>",
        (LIVE_REPORTER,),
    ),
    PostData(
        280, Post.Kind.QUOTE,
        "Putin 'cannot be allowed to play games', says Starmer",
        "<p>Before the call, the prime minister hardened his tone towards the Kremlin. In his view "
        "the Russian president is stalling on the ceasefire plan put forward by Washington, and "
        "that should not be tolerated.</p>",
        (LIVE_REPORTER,),
        (
            Said(
                "keir-starmer", "cannot be allowed to play games",
                "on Putin's response to the US ceasefire plan",
            ),
            Said("keir-starmer", "trying to delay", "accusing the Russian leader of stalling"),
        ),
    ),
    PostData(
        265, Post.Kind.UPDATE,
        "How the week unfolded: Putin's conditions and Kyiv's reply",
        "<p>Today's summit follows Vladimir Putin's first detailed answer, earlier this week, to "
        "the US proposal for a 30-day truce.</p>"
        "<p>He said Moscow backed the idea in principle but attached a list of conditions. "
        "Volodymyr Zelensky swiftly dismissed the reply as an attempt to manipulate the "
        "process.</p>",
        (LIVE_REPORTER,),
        (
            Said("vladimir-putin", "in favour", "on where Russia stands on a ceasefire"),
            Said("vladimir-putin", "there are nuances", "adding that questions remain unanswered"),
            Said("volodymyr-zelensky", "manipulative", "describing the Kremlin's response"),
        ),
    ),
    PostData(
        250, Post.Kind.UPDATE,
        "Trump upbeat after discussions in Moscow",
        "<p>Donald Trump, for his part, sounds optimistic. He says this week's talks with Putin "
        "in Moscow went well, and he has told his followers online that he sees a real prospect "
        "of the fighting ending.</p>",
        (LIVE_REPORTER,),
        (
            Said("donald-trump", "good and productive", "describing this week's talks with Putin"),
            Said(
                "donald-trump",
                "a very good chance that this horrible, bloody war can finally come to an end",
                "in a post on social media",
            ),
        ),
    ),
    PostData(
        235, Post.Kind.UPDATE,
        "What Europe wants out of today's call",
        "<p>The real audience for this meeting may well be in Washington. What European leaders "
        "are after is not just a pause in the fighting: they want to convince the US to commit "
        "to Ukraine's security for the long term.</p>"
        "<p>That is the test I will be applying to whatever the prime minister announces "
        "later.</p>",
        (DIPLOMATIC,),
    ),
    PostData(
        220, Post.Kind.MEDIA,
        "Macron joins as the virtual summit gets going",
        "<p>The video call has started. These pictures show French President Emmanuel Macron "
        "logging on to join the discussion.</p>"
        "<p>Around 25 leaders are expected to take part before the meeting wraps up.</p>",
        (LIVE_REPORTER,),
        key_event=True,
    ),
    PostData(
        200, Post.Kind.BREAKING,
        "Putin will have to negotiate 'sooner or later', Starmer tells leaders",
        "<p>Opening the meeting, Sir Keir told his fellow leaders that the Russian president "
        "cannot hold out for ever and will end up negotiating.</p>"
        "<p>He urged the coalition to step up its backing for Kyiv and to tighten the squeeze on "
        "Moscow. More to follow.</p>",
        (LIVE_REPORTER,),
        (
            Said("keir-starmer", "sooner or later", "told world leaders on the call"),
            Said("keir-starmer", "come to the table", "on what Putin will eventually have to do"),
        ),
        key_event=True,
    ),
    PostData(
        185, Post.Kind.QUOTE,
        "Zelensky: Russia is dragging the war out",
        "<p>Ukraine's president has again asked allies to lean harder on Moscow, saying Russia is "
        "deliberately prolonging the conflict. He also accused Putin of lying when the Kremlin "
        "argued that a truce would be too complicated to organise.</p>"
        "<p>Kyiv also rejects Russian claims that its soldiers in the Kursk region, where Ukraine "
        "launched a surprise cross-border push last August, have been surrounded.</p>",
        (UKRAINE,),
        (
            Said(
                "volodymyr-zelensky", "peace must begin unconditionally",
                "responding to Moscow's conditions",
            ),
            Said("volodymyr-zelensky", "strong pressure", "on what allies should apply to Russia"),
        ),
    ),
    PostData(
        170, Post.Kind.UPDATE,
        "Putin hints he may call Trump",
        "<p>In his remarks on the ceasefire plan this week, the Russian leader insisted that any "
        "truce must deal with what he regards as the deeper causes of the war, and suggested he "
        "might take the matter up with the US president himself.</p>",
        (LIVE_REPORTER,),
        (
            Said(
                "vladimir-putin",
                "an enduring peace and remove the root causes of this crisis",
                "on what a ceasefire should lead to",
            ),
            Said(
                "vladimir-putin",
                "we need to negotiate with our American colleagues and partners… "
                "maybe I'll have a call with Donald Trump",
                "on the next steps",
            ),
        ),
    ),
    PostData(
        150, Post.Kind.ANALYSIS,
        "For Ukraine, time is running short on the battlefield",
        "<p>When I reported from Kyiv late last year, soldiers told me the land they held inside "
        "Russia's Kursk region was something to trade once talks began. Ukrainian troops have "
        "occupied a slice of Russian territory there since August, but that slice keeps "
        "shrinking.</p>"
        "<p>Kyiv denies that its forces are encircled, an idea Donald Trump aired yesterday. "
        "Even so, they are under intense pressure and have been giving up ground.</p>"
        "<p>Vladimir Putin appears intent on clearing them out before any deal is signed. That may "
        "go some way to explaining why his answer to a 30-day ceasefire has amounted to "
        "<strong>\"yes, but\"</strong>.</p>",
        (UKRAINE,),
    ),
    PostData(
        130, Post.Kind.BREAKING,
        "Coalition enters 'operational phase', says Starmer",
        "<p>Speaking after the call, the prime minister said the group would now turn from "
        "politics to detailed logistical planning, with military chiefs due to meet on "
        "Thursday.</p>"
        "<p>Now is the moment, he argued, to push Moscow as hard as possible so that Putin drops "
        "his \"yes, but\" stance and the fighting stops.</p>",
        (LIVE_REPORTER, DIPLOMATIC),
        (
            Said("keir-starmer", "operational phase", "told a news conference after the call"),
            Said("keir-starmer", "maximum pressure", "on what Russia should face now"),
            Said("keir-starmer", "guns fall silent", "on what this moment should bring"),
        ),
        key_event=True,
    ),
    PostData(
        115, Post.Kind.UPDATE,
        "Seizing Russia's frozen assets 'complicated', PM admits",
        "<p>Leaders also talked about the Russian state assets frozen by Western governments. Sir "
        "Keir said the issue was a complicated one and that no decision had been made on seizing "
        "them, but the discussion would carry on. Foreign Secretary David Lammy is among those who "
        "would like to go further.</p>"
        "<p>Some background:</p>"
        "<ul><li>The G7 and the EU froze about <strong>$325bn</strong> of Russian assets after the "
        "full-scale invasion in 2022</li>"
        "<li>The UK, like several other European countries, already uses the income from those "
        "assets to help Ukraine</li>"
        "<li>Taking the assets themselves could run into trouble under international law</li></ul>"
        "<p>The prime minister said sanctions were still doing their job of pushing Putin towards "
        "talks.</p>",
        (DIPLOMATIC,),
        (
            Said("keir-starmer", "complicated", "on confiscating the frozen assets"),
            Said("keir-starmer", "bring [Putin] to the table", "on what sanctions are for"),
            Said(
                "christine-lagarde",
                "breaking the international order… you would want Russia to respect",
                "warning of the risk of confiscation",
            ),
            Said(
                "christine-lagarde",
                "The international law basis on which any decision is made will matter as far as "
                "other investors are concerned.",
                "earlier this month, while saying the choice was not one for the ECB",
            ),
        ),
    ),
    PostData(
        95, Post.Kind.QUOTE,
        "Too soon to talk about European troops, says Finland's president",
        "<p>Alexander Stubb told the BBC that talk of peacekeepers on the ground in Ukraine was "
        "premature while there is still no ceasefire.</p>"
        "<p>Finland is ready to help uphold a peace agreement, he said, but countries should sign "
        "up to specific pledges only once there is a clear plan, and troops are just one of many "
        "ways to contribute. Sir Keir, who keeps urging European governments to offer concrete "
        "help, says military planning moves on with a meeting this Thursday.</p>",
        (LIVE_REPORTER,),
        (
            Said(
                "alexander-stubb",
                "it is too early to talk about boots on the ground because we don't have a "
                "ceasefire, we don't have a peace process",
                "told the BBC",
            ),
            Said(
                "alexander-stubb", "Once we have a clear plan, we start doing the commitments",
                "told the BBC",
            ),
            Said(
                "alexander-stubb",
                "anywhere from zero to 50 different ways they can help out, boots on the ground "
                "is only one way",
                "on what countries can offer",
            ),
            Said("alexander-stubb", "too early to commit", "on Finland's position"),
        ),
        key_event=True,
    ),
    PostData(
        75, Post.Kind.ANALYSIS,
        "Unless Trump moves, Starmer's coalition may struggle to take off",
        "<p>Sir Keir came out of the call insisting that the coalition had grown and that fresh "
        "pledges were on the table, though he would not say what they were.</p>"
        "<p>What was agreed is that military aid to Ukraine keeps flowing and that the squeeze on "
        "Russia's economy gets tighter. The planning now turns practical, with military chiefs "
        "meeting in the UK next Thursday. I expect a steady procession of political, diplomatic "
        "and military meetings in the weeks ahead.</p>"
        "<p>But the biggest question is still open. Pressed on whether the US would provide a "
        "<strong>\"backstop\"</strong> for a European force, the prime minister was plain that "
        "Washington's position had not moved.</p>"
        "<p>Europe is still working on it. National security advisers from several European "
        "countries, among them Jonathan Powell, who is credited with persuading Zelensky to accept "
        "the US ceasefire proposal, were in Washington yesterday.</p>",
        (DIPLOMATIC,),
        (
            Said(
                "keir-starmer", "new commitments", "on what coalition members brought to the call"
            ),
            Said(
                "keir-starmer",
                "Overall, we are successfully gathering political and military momentum",
                "speaking to reporters after the summit",
            ),
        ),
    ),
    PostData(
        55, Post.Kind.SUMMARY,
        "Who's saying what about a ceasefire in Ukraine",
        "<p>Where the main players stand today:</p>"
        "<ul><li><strong>Keir Starmer</strong> wants Moscow squeezed as hard as possible and says "
        "the coalition's planning is turning practical.</li>"
        "<li><strong>Volodymyr Zelensky</strong> says peace must start with no strings attached "
        "and accuses Russia of spinning out the war.</li>"
        "<li><strong>Vladimir Putin</strong> backs a truce in principle but has raised questions "
        "and wants to talk to Washington.</li>"
        "<li><strong>Donald Trump</strong> says the Moscow talks went well and the war could soon "
        "be over.</li></ul>",
        (LIVE_REPORTER,),
        (
            Said("keir-starmer", "maximum pressure", "his message to the coalition"),
            Said(
                "volodymyr-zelensky", "peace must begin unconditionally", "on Russia's conditions"
            ),
            Said("vladimir-putin", "there are nuances", "on a ceasefire"),
            Said("donald-trump", "good and productive", "on the talks in Moscow"),
        ),
        pinned=True,
    ),
    PostData(
        20, Post.Kind.UPDATE,
        "What happens next",
        "<p>With the call over, attention shifts to the military track. Armed forces chiefs from "
        "the coalition are due to gather in the UK on Thursday to work through the practical "
        "planning.</p>"
        "<p>Any European role in keeping a peace still depends on Washington, and on whether "
        "Moscow drops the conditions it has set for a ceasefire.</p>",
        (LIVE_REPORTER,),
    ),
]

KEY_POINTS = [
    "Sir Keir Starmer has chaired a video call of about 25 leaders backing Ukraine, including "
    "European governments, Canada, the EU and Nato",
    "The prime minister says Vladimir Putin must not be allowed to stall the US ceasefire plan "
    "and will have to negotiate in the end",
    "Planning for a possible peace deal now turns practical, with military chiefs meeting in the "
    "UK on Thursday",
    "Putin says he backs a truce in principle but has set conditions, which Volodymyr Zelensky "
    "calls manipulative",
    "Donald Trump calls this week's talks in Moscow productive and says the war has a real chance "
    "of ending",
    "Finland's president says it is too soon to talk about European troops, and leaders remain "
    "undecided on seizing frozen Russian assets",
]


@dataclass(frozen=True)
class Picture:
    draw: object  # a demo_pictures function returning the drawn file
    alt_text: str
    caption: str


# Post pictures, by the headline of the post they illustrate.
PICTURES = {
    "Leaders log on for Starmer's 'coalition of the willing' call": Picture(
        demo_pictures.video_call_grid,
        "A grid of 25 video tiles, one per leader on the call, the chair's tile in the middle "
        "outlined in yellow",
        "About 25 leaders joined the call, chaired from Downing Street (illustration)",
    ),
    "Macron joins as the virtual summit gets going": Picture(
        demo_pictures.downing_street_door,
        "The black front door of 10 Downing Street in its white frame, set in a brick wall",
        "Downing Street, where the prime minister chaired the call (illustration)",
    ),
}


def demo_load() -> tuple[Event, bool]:
    """Build the demo event, or return the one already there untouched: (event, created)."""
    with transaction.atomic():
        event = Event.objects.filter(slug=settings.LIVEBLOG_DEMO_EVENT_SLUG).first()
        if event is not None:
            return event, False
        journalists = {journalist.username: _journalist(journalist) for journalist in JOURNALISTS}
        editor = journalists[LIVE_REPORTER]
        speakers = {speaker.slug: _speaker(speaker, by=editor) for speaker in SPEAKERS}
        now = timezone.now()
        event = services.event_create(
            title=EVENT_TITLE,
            slug=settings.LIVEBLOG_DEMO_EVENT_SLUG,
            standfirst=EVENT_STANDFIRST,
            status=Event.Status.LIVE,
            time_zone="Europe/London",
            starts_at=now - timedelta(minutes=EVENT_STARTED_MINUTES_AGO),
            by=editor,
        )
        # Oldest first, so the order of the event's public numbers is the order of the times.
        for item in sorted(POSTS, key=lambda item: item.minutes_ago, reverse=True):
            authors = [journalists[username] for username in item.authors]
            quotes = [
                services.QuoteInput(speakers[said.speaker], said.text, context=said.context)
                for said in item.quotes
            ]
            post = services.post_create_draft(
                event=event,
                by=authors[0],
                headline=item.headline,
                body=item.body,
                kind=item.kind,
                authors=authors,
                quotes=quotes,
            )
            if item.headline in PICTURES:
                post = _picture_add(post, PICTURES[item.headline], by=authors[0])
            published_at = now - timedelta(minutes=item.minutes_ago)
            post = services.post_publish(post=post, by=authors[0], at=published_at)
            if item.pinned:
                post = services.post_set_pinned(post=post, by=editor, is_pinned=True)
            if item.key_event:
                post = services.post_set_key_event(post=post, by=editor, is_key_event=True)
        services.event_set_key_points(event=event, points=KEY_POINTS, by=editor)
        services.event_set_lead_image(event=event, by=editor, image=_lead_image(), alt_text=LEAD_IMAGE_ALT)
        event.refresh_from_db()
        return event, True


LEAD_IMAGE_ALT = "A grid of video call tiles, one per leader, around a map of Europe in outline"


def _lead_image() -> ContentFile:
    """The demo's lead picture, drawn here (1200x630, the size link previews ask for): call
    tiles around a blue panel, so the demo needs no photo it would have to license."""
    from PIL import Image, ImageDraw

    width, height, tile = 1200, 630, 150
    picture = Image.new("RGB", (width, height), "#0b2540")
    draw = ImageDraw.Draw(picture)
    for row in range(height // tile + 1):
        for column in range(width // tile):
            x, y = column * tile + 10, row * tile + 10
            shade = 60 + (row * 37 + column * 23) % 90
            draw.rounded_rectangle([x, y, x + tile - 20, y + tile - 20], radius=12, fill=(shade, shade + 20, shade + 50))
            draw.ellipse([x + 45, y + 25, x + 85, y + 65], fill="#d9d4c7")
            draw.rounded_rectangle([x + 30, y + 70, x + 100, y + 120], radius=20, fill="#d9d4c7")
    draw.rounded_rectangle([330, 140, 870, 490], radius=24, fill="#0b5394", outline="#ffffff", width=6)
    draw.polygon([(450, 420), (520, 200), (640, 170), (760, 250), (720, 430), (560, 460)], outline="#ffffff", width=5)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name="demo-lead.png")


def _journalist(journalist: Journalist) -> User:
    """The demo journalist's account, made an editor when first created."""
    user = User.objects.filter(username=journalist.username).first()
    if user is not None:
        return user
    user = user_create(
        username=journalist.username,
        display_name=journalist.display_name,
        job_title=journalist.job_title,
        role=Role.EDITOR,
        by=None,
    )
    # No service sets an avatar (the admin's user form does); a new account has no public change.
    user.avatar.save(*_portrait(journalist.display_name, journalist.username), save=False)
    user.save(update_fields=["avatar"])
    return user


def _speaker(speaker: SpeakerData, *, by: User) -> Speaker:
    existing = Speaker.objects.filter(slug=speaker.slug).first()
    if existing is not None:
        return existing
    created = services.speaker_create(
        name=speaker.name,
        slug=speaker.slug,
        role=speaker.role,
        organisation=speaker.organisation,
        bio=speaker.bio,
        by=by,
    )
    # Set before any post quotes them, so the photo is no public change (the admin's speaker
    # form is the only other place a photo is set).
    created.photo.save(*_portrait(speaker.name, speaker.slug), save=False)
    created.save(update_fields=["photo"])
    return created


def _portrait(name: str, stem: str):
    drawn = demo_pictures.portrait(name, file_stem=stem)
    return drawn.name, drawn


def _picture_add(post: Post, picture: Picture, *, by: User) -> Post:
    """Attach a drawn picture to the draft, through the same checks as a journalist's upload."""
    record = services.image_add(post=post, by=by, image=picture.draw(), alt_text=picture.alt_text,
                                caption=picture.caption, credit="Liveblog demo")
    return record.post
