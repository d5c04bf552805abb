"""OpenAI's Python package, pinned and unmodified, against the route's OpenAI-compatible
endpoint: a generation returns image bytes; an empty prompt raises BadRequestError.
Prints one JSON line of what it saw. Usage: openai_client.py BASE_URL TOKEN"""
import base64
import json
import sys

import openai

base_url, token = sys.argv[1], sys.argv[2]
client = openai.OpenAI(api_key=token, base_url=base_url, max_retries=0)
out = {"version": openai.__version__}
r = client.images.generate(model="gpt-image-2", prompt="a lighthouse at dusk", quality="low", size="1024x1024")
image = base64.b64decode(r.data[0].b64_json)
out["png"] = image[:4] == b"\x89PNG"
out["bytes"] = len(image)
try:
    client.images.generate(model="gpt-image-2", prompt="")
    out["empty_prompt"] = "accepted"
except openai.BadRequestError as e:
    out["empty_prompt"] = type(e).__name__
    out["param"] = (e.body or {}).get("param") if isinstance(e.body, dict) else None
print(json.dumps(out))
