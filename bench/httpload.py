"""A small asyncio HTTP/1.1 load client for the benchmarks: keep-alive connections on loopback,
bounded in time and count, recording each request's latency. No dependency beyond the stdlib."""
import asyncio
import time


async def _read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        body = b""
    return status, body


async def _worker(host, port, make_request, deadline, max_requests, results, counter):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < deadline and counter[0] < max_requests:
            counter[0] += 1
            method, path, headers, body = make_request(counter[0])
            head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            head += f"Content-Length: {len(body)}\r\n\r\n"
            started = time.perf_counter()
            writer.write(head.encode() + body)
            await writer.drain()
            status, payload = await _read_response(reader)
            results.append((status, (time.perf_counter() - started) * 1000, payload))
    finally:
        writer.close()


def run(host, port, make_request, concurrency=16, seconds=10.0, max_requests=1_000_000):
    """Drive `make_request(i) -> (method, path, headers, body bytes)` from `concurrency` connections
    for `seconds`; returns (list of (status, ms, body), elapsed seconds)."""

    async def main():
        results, counter = [], [0]
        deadline = time.monotonic() + seconds
        started = time.perf_counter()
        await asyncio.gather(*[_worker(host, port, make_request, deadline, max_requests, results, counter) for _ in range(concurrency)])
        return results, time.perf_counter() - started

    return asyncio.run(main())


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]
