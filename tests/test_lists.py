import time
from tests.factories import API, create_intervention
def test_t(client):
    t=time.time()
    for i in range(100):
        client.post(f"{API}/interventions", json={"name": f"x{i}", "kind": "project", "department": "BKF"}).raise_for_status()
    print("100 creates", time.time()-t)
