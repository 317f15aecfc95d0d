//! A minimal W3C WebDriver client for the browser test: Debian's `chromedriver` driving
//! headless `chromium`, spoken to over HTTP on loopback with the reqwest client the harness
//! already builds.
//!
//! Only what the test needs: open a page, run a script, find, click and type into an
//! element, read the browser's console log, and two Chrome DevTools commands through
//! chromedriver (an exact viewport, a screenshot taller than the window). The crates that
//! do this (fantoccini, headless_chrome, chromiumoxide) pull in 30 to several hundred more
//! crates for these dozen HTTP calls.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// How to get a browser when there is none.
pub const INSTALL_HINT: &str = "install Debian's Chromium and its driver: \
     `apt-get install -y chromium chromium-driver` (.ci/run does this when they are missing)";

/// The W3C element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One browser session; the driver process (and with it the browser) ends on drop.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session: String,
    _profile: tempfile::TempDir,
}

/// A found element.
pub struct Element(String);

fn which(name: &str, fallbacks: &[&str]) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .chain(fallbacks.iter().map(PathBuf::from))
        .find(|p| p.is_file())
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless Chromium session.
    /// The error says what is missing and how to install it.
    pub async fn start() -> Result<Browser, String> {
        let driver_bin = which("chromedriver", &["/usr/bin/chromedriver"])
            .ok_or_else(|| format!("chromedriver not found on PATH; {INSTALL_HINT}"))?;
        let chromium = which("chromium", &["/usr/bin/chromium"])
            .ok_or_else(|| format!("chromium not found on PATH; {INSTALL_HINT}"))?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}; {INSTALL_HINT}", driver_bin.display()))?;
        let profile = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let mut browser = Browser {
            driver,
            http,
            session: String::new(),
            _profile: profile,
        };
        let base = browser.base(port);
        // The driver is up when it answers /status (generous: CI machines are loaded).
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = browser
                .http
                .get(format!("{base}/status"))
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success());
            if ready.is_some() {
                break;
            }
            if let Ok(Some(status)) = browser.driver.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before answering; {INSTALL_HINT}",
                    driver_bin.display()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} did not answer on port {port} within 60 s",
                    driver_bin.display()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:loggingPrefs": { "browser": "ALL" },
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-extensions",
                            "--no-first-run",
                            "--hide-scrollbars",
                            "--window-size=1400,900",
                            format!("--user-data-dir={}", browser._profile.path().display()),
                        ]
                    }
                }
            }
        });
        let answer = browser
            .http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .map_err(|e| format!("new session: {e}"))?
            .json::<Value>()
            .await
            .map_err(|e| format!("new session: {e}"))?;
        browser.session = answer["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| {
                format!(
                    "Chromium did not start ({}); {INSTALL_HINT}",
                    answer["value"]["message"]
                )
            })?
            .to_string();
        browser.session = format!("{base}/session/{}", browser.session);
        Ok(browser)
    }

    fn base(&self, port: u16) -> String {
        format!("http://127.0.0.1:{port}")
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.session);
        let mut req = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let answer: Value = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        if answer["value"]["error"].is_string() {
            panic!(
                "{method} {path}: {} ({})",
                answer["value"]["error"], answer["value"]["message"]
            );
        }
        answer["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// Opens a local file as a new page: `visit` makes the URL differ from the last one, as
    /// opening the same URL again is a reload, which restores what was typed into forms.
    pub async fn open(&self, file: &Path, visit: &str) {
        let url = format!("file://{}?{visit}", file.display());
        self.post("/url", json!({ "url": url })).await;
        // The driver may answer while the old page is still being replaced: wait until the
        // new one is the page and has loaded.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let state = self
                .run("return [location.href, document.readyState];", json!([]))
                .await;
            if state == json!([url, "complete"]) {
                return;
            }
            assert!(Instant::now() < deadline, "{url} did not load: {state}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub async fn run(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// A Chrome DevTools Protocol command, through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.post("/goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
            .await
    }

    /// Lays the page out at exactly `width` × `height` CSS pixels.
    pub async fn viewport(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await;
    }

    /// The first element matching a CSS selector.
    pub async fn find(&self, css: &str) -> Element {
        let v = self
            .post("/element", json!({ "using": "css selector", "value": css }))
            .await;
        Element(
            v[ELEMENT]
                .as_str()
                .unwrap_or_else(|| panic!("no element for {css}: {v}"))
                .to_string(),
        )
    }

    /// Clicks an element as a user would (scrolled into view, at its centre).
    pub async fn click(&self, el: &Element) {
        self.post(&format!("/element/{}/click", el.0), json!({}))
            .await;
    }

    /// Types text into an element, key by key.
    pub async fn type_text(&self, el: &Element, text: &str) {
        self.post(&format!("/element/{}/value", el.0), json!({ "text": text }))
            .await;
    }

    /// The browser console entries since the last call (errors, warnings, exceptions).
    pub async fn console(&self) -> Vec<Value> {
        match self.post("/se/log", json!({ "type": "browser" })).await {
            Value::Array(entries) => entries,
            other => panic!("browser log: {other}"),
        }
    }

    /// A PNG of the page from the top, or from the first element matching `from`, at most
    /// `height` CSS pixels tall.
    pub async fn screenshot(&self, from: Option<&str>, height: u32) -> Vec<u8> {
        let size = self
            .run(
                "const e = arguments[0] && document.querySelector(arguments[0]); \
                 return [document.documentElement.clientWidth, document.documentElement.scrollHeight, \
                 e ? e.getBoundingClientRect().top + window.scrollY : 0];",
                json!([from]),
            )
            .await;
        let width = size[0].as_f64().unwrap_or(800.0);
        let full = size[1].as_f64().unwrap_or(900.0);
        let top = size[2].as_f64().unwrap_or(0.0);
        let shot = self
            .cdp(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": top, "width": width, "height": (full - top).min(f64::from(height)), "scale": 1 }
                }),
            )
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("screenshot is base64")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes Chromium (also when a test panicked, so no browser is
        // left behind): a plain blocking request, whatever state the async runtime is in.
        if let Some((host, path)) = self
            .session
            .strip_prefix("http://")
            .and_then(|rest| rest.split_once('/'))
            && let Ok(mut conn) = std::net::TcpStream::connect(host)
        {
            use std::io::{Read, Write};
            let _ = conn.set_read_timeout(Some(Duration::from_secs(20)));
            let _ = write!(
                conn,
                "DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = conn.read_to_end(&mut Vec::new());
        }
        // Then the driver, which this test started.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
