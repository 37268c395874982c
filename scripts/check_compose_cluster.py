"""Checks the merged config of compose/docker-compose.yml + compose/docker-compose.cluster.yml (the output of
`docker-compose config`, argv[1]) against the node configs in compose/cluster (argv[2]); used by
scripts/check-compose.sh. Prints one summary line, or the problems (exit 1)."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml  # docker-compose (Debian) depends on python3-yaml

merged = yaml.safe_load(Path(sys.argv[1]).read_text())
conf_dir = Path(sys.argv[2])
services = merged["services"]
problems = []

nodes = {name: s for name, s in services.items() if name.startswith("clickhouse")}
keepers = {name: s for name, s in services.items() if name.startswith("keeper")}
if len(nodes) != 4:
    problems.append(f"expected 4 ClickHouse nodes, found {sorted(nodes)}")
if len(keepers) != 3:
    problems.append(f"expected 3 Keeper nodes, found {sorted(keepers)}")
for name, s in nodes.items():
    env = s.get("environment", {})
    if s.get("hostname") != name:
        problems.append(f"{name}: hostname must be the service name (replicas fetch parts by it), got {s.get('hostname')}")
    if not env.get("SHARD") or not env.get("REPLICA"):
        problems.append(f"{name}: SHARD / REPLICA missing from its environment (macros)")
    if not any("config.d/cluster.xml" in str(v) for v in s.get("volumes", [])):
        problems.append(f"{name}: compose/cluster/clickhouse-node.xml not mounted as config.d/cluster.xml")
replicas = sorted((n["environment"].get("SHARD"), n["environment"].get("REPLICA")) for n in nodes.values())
if len(set(replicas)) != len(replicas):
    problems.append(f"two nodes share a shard/replica: {replicas}")
if services["consumers"].get("environment", {}).get("CLICKHOUSE_CLUSTER") != "telemetry":
    problems.append("consumers: CLICKHOUSE_CLUSTER=telemetry missing")

node_xml = ET.parse(conf_dir / "clickhouse-node.xml").getroot()
hosts = sorted(h.text for h in node_xml.iter("host") if h.text and not h.text.startswith("keeper"))
if hosts != sorted(nodes):
    problems.append(f"remote_servers names {hosts}, the compose nodes are {sorted(nodes)}")
shards = node_xml.findall("./remote_servers/telemetry/shard")
if [len(s.findall("replica")) for s in shards] != [2, 2]:
    problems.append("remote_servers: expected 2 shards of 2 replicas")
keeper_xml = ET.parse(conf_dir / "keeper.xml").getroot()
raft = sorted(s.findtext("hostname") for s in keeper_xml.iter("server"))
zk = sorted(n.findtext("host") for n in node_xml.findall("./zookeeper/node"))
if raft != sorted(keepers) or zk != sorted(keepers):
    problems.append(f"Keeper hosts: raft {raft}, nodes' zookeeper {zk}, compose {sorted(keepers)}")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"{len(nodes)} ClickHouse nodes ({len(shards)} shards x 2 replicas), {len(keepers)} Keepers, consumers with CLICKHOUSE_CLUSTER=telemetry")
