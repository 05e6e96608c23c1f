"""The app as served in production, plus a bare "hello" endpoint in the same process:
the baseline the benchmark compares every real endpoint with."""
from webapp import create_app

app = create_app()


@app.get("/bench/hello")
def hello() -> str:
    return "hello"
