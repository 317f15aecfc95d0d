//! Real HTTP round trips over loopback against a running `ReferenceServer`, with a
//! hand-written HTTP/1.1 client (blocking std sockets on the blocking pool).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use scim_reference_server::{ReferenceServer, ServerOptions};
use serde_json::{Value, json};

const TOKEN: &str = "integration-token";
const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// Sends one request with `Connection: close` and reads the whole reply.
async fn send(addr: SocketAddr, head: String, body: Vec<u8>) -> Reply {
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        parse(&raw)
    })
    .await
    .unwrap()
}

fn parse(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 4 + size..];
    }
}

fn request(method: &str, target: &str, host: &str, body: Option<&Value>) -> (String, Vec<u8>) {
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\nAccept: application/scim+json\r\nConnection: close\r\n"
    );
    if !body.is_empty() {
        head.push_str("Content-Type: application/scim+json; charset=utf-8\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    (head, body)
}

async fn start() -> ReferenceServer {
    ReferenceServer::start(ServerOptions {
        token: Some(TOKEN.into()),
        base_path: "/scim/v2".into(),
        ..ServerOptions::default()
    })
    .await
    .expect("server starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_and_read_back_over_http() {
    let server = start().await;
    let addr = server.addr();
    assert_eq!(server.base_url(), format!("http://{addr}/scim/v2"));
    let host = addr.to_string();

    let user =
        json!({"schemas": [USER_URN], "userName": "wire.user", "name": {"givenName": "Zoë"}});
    let (head, body) = request("POST", "/scim/v2/Users", &host, Some(&user));
    let created = send(addr, head, body).await;
    assert_eq!(created.status, 201);
    assert_eq!(
        created.header("content-type"),
        Some("application/scim+json")
    );
    let created_body = created.json();
    let location = created.header("location").unwrap().to_owned();
    assert_eq!(created_body["meta"]["location"], location.as_str());
    assert!(location.starts_with(&server.base_url()));

    let id = created_body["id"].as_str().unwrap();
    let (head, body) = request("GET", &format!("/scim/v2/Users/{id}"), &host, None);
    let fetched = send(addr, head, body).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json(), created_body);

    let (head, body) = request(
        "GET",
        "/scim/v2/Users?filter=userName%20eq%20%22WIRE.USER%22",
        &host,
        None,
    );
    let listed = send(addr, head, body).await.json();
    assert_eq!(listed["totalResults"], 1);

    // The in-process view agrees with the wire.
    assert_eq!(server.service().resources("User"), vec![created_body]);
    server.shutdown().await;
    assert!(TcpStream::connect(addr).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base_url_follows_the_host_header() {
    let server = start().await;
    let addr = server.addr();
    let user = json!({"schemas": [USER_URN], "userName": "proxied"});
    let (head, body) = request("POST", "/scim/v2/Users", "proxy.example:8443", Some(&user));
    let reply = send(addr, head, body).await;
    assert_eq!(reply.status, 201);
    let location = reply.header("location").unwrap();
    assert!(
        location.starts_with("http://proxy.example:8443/scim/v2/Users/"),
        "{location}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_scim_json() {
    let server = start().await;
    let addr = server.addr();
    let host = addr.to_string();

    let (head, body) = request("GET", "/elsewhere/Users", &host, None);
    let outside = send(addr, head, body).await;
    assert_eq!(outside.status, 404);
    assert_eq!(outside.json()["status"], "404");
    assert_eq!(
        outside.header("content-type"),
        Some("application/scim+json")
    );

    let head = format!("GET /scim/v2/Users HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let unauthorized = send(addr, head, Vec::new()).await;
    assert_eq!(unauthorized.status, 401);
    assert_eq!(
        unauthorized.header("www-authenticate"),
        Some("Bearer realm=\"scim\"")
    );
    assert_eq!(unauthorized.json()["status"], "401");

    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        2 * 1024 * 1024
    );
    let too_big = send(addr, head, Vec::new()).await;
    assert_eq!(too_big.status, 413);
    assert_eq!(too_big.json()["status"], "413");

    let (head, body) = request("DELETE", "/scim/v2/Users/missing", &host, None);
    let missing = send(addr, head, body).await;
    assert_eq!(missing.status, 404);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etags_bulk_and_tenants_over_http() {
    let server = ReferenceServer::start(ServerOptions {
        token: Some(TOKEN.into()),
        base_path: "/scim/v2".into(),
        tenants: vec!["second-tenant".into()],
        seed_users: 3,
        ..ServerOptions::default()
    })
    .await
    .expect("server starts");
    let addr = server.addr();
    let host = addr.to_string();

    let (head, body) = request(
        "GET",
        "/scim/v2/Users?filter=userName%20eq%20%22seed-user-000002%40example.test%22",
        &host,
        None,
    );
    let listed = send(addr, head, body).await.json();
    assert_eq!(listed["totalResults"], 1);
    let id = listed["Resources"][0]["id"].as_str().unwrap().to_owned();
    let version = listed["Resources"][0]["meta"]["version"]
        .as_str()
        .unwrap()
        .to_owned();

    // GET carries the ETag; If-None-Match with it answers 304 without a body.
    let (head, body) = request("GET", &format!("/scim/v2/Users/{id}"), &host, None);
    let fetched = send(addr, head, body).await;
    assert_eq!(fetched.header("etag"), Some(version.as_str()));
    let (head, body) = request("GET", &format!("/scim/v2/Users/{id}"), &host, None);
    let head = head.replace(
        "Connection: close\r\n",
        &format!("Connection: close\r\nIf-None-Match: {version}\r\n"),
    );
    let unchanged = send(addr, head, body).await;
    assert_eq!((unchanged.status, unchanged.body.len()), (304, 0));

    // A stale If-Match on PATCH is 412 with a SCIM error body.
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "x"}]});
    let (head, body) = request("PATCH", &format!("/scim/v2/Users/{id}"), &host, Some(&ops));
    let head = head.replace(
        "Connection: close\r\n",
        "Connection: close\r\nIf-Match: W/\"999999\"\r\n",
    );
    let stale = send(addr, head, body).await;
    assert_eq!(stale.status, 412);
    assert_eq!(stale.json()["status"], "412");

    // Bulk over the wire.
    let bulk = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
    "Operations": [
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "wired", "members": [{"value": "bulkId:u"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "u",
            "data": {"schemas": [USER_URN], "userName": "bulk.wire"}}
    ]});
    let (head, body) = request("POST", "/scim/v2/Bulk", &host, Some(&bulk));
    let reply = send(addr, head, body).await;
    assert_eq!(reply.status, 200);
    let results = reply.json()["Operations"].clone();
    assert_eq!(results[0]["status"], "201");
    assert_eq!(results[1]["status"], "201");

    // The second tenant sees none of it.
    let head = format!(
        "GET /scim/v2/Users HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer second-tenant\r\nConnection: close\r\n\r\n"
    );
    let other = send(addr, head, Vec::new()).await;
    assert_eq!(other.status, 200);
    assert_eq!(other.json()["totalResults"], 0);
    server.shutdown().await;
}
