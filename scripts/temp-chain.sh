# shellcheck shell=bash
# Sourced by scripts that drive a throwaway dev chain (loadtest.sh, bench-storage.sh):
# `temp_chain_start` runs `bourse-node --dev` on free ports in a temporary base path and waits
# until it answers RPC; the node is stopped and the base path removed when the script exits.
#
#   . scripts/temp-chain.sh
#   temp_chain_start "$node_bin" loadtest --pool-limit 20000   # sets TEMP_CHAIN_RPC_PORT
#   temp_chain_stop                    # stops the node early (its database stays until exit)

temp_chain_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

TEMP_CHAIN_BASE=$(mktemp -d)
TEMP_CHAIN_LOG="$TEMP_CHAIN_BASE/node.log"
TEMP_CHAIN_RPC_PORT=
temp_chain_pid=

temp_chain_stop() {
	if [ -n "$temp_chain_pid" ]; then
		kill "$temp_chain_pid" 2>/dev/null || true
		wait "$temp_chain_pid" 2>/dev/null || true
		temp_chain_pid=
	fi
}

temp_chain_cleanup() {
	temp_chain_stop
	rm -rf "$TEMP_CHAIN_BASE"
}
trap temp_chain_cleanup EXIT

# temp_chain_start <node binary> <name for messages> [more node arguments...]
temp_chain_start() {
	local node_bin=$1 name=$2 p2p_port
	shift 2
	TEMP_CHAIN_RPC_PORT=$(temp_chain_free_port)
	p2p_port=$(temp_chain_free_port)
	"$node_bin" --dev --base-path "$TEMP_CHAIN_BASE" --rpc-port "$TEMP_CHAIN_RPC_PORT" \
		--port "$p2p_port" --no-prometheus --no-telemetry "$@" >"$TEMP_CHAIN_LOG" 2>&1 &
	temp_chain_pid=$!
	# Poll RPC until the node answers (a cold start compiles the runtime first).
	for _ in $(seq 1 300); do
		if curl -s -H 'Content-Type: application/json' \
			-d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
			"http://127.0.0.1:$TEMP_CHAIN_RPC_PORT" >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$temp_chain_pid" 2>/dev/null; then
			echo "$name: the node exited:" >&2
			tail -20 "$TEMP_CHAIN_LOG" >&2
			return 1
		fi
		sleep 0.2
	done
	echo "$name: the node did not answer RPC on port $TEMP_CHAIN_RPC_PORT within 60 s" >&2
	tail -20 "$TEMP_CHAIN_LOG" >&2
	return 1
}
